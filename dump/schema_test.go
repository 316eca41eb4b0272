package dump

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// The JSON Schemas of kdump's output, checked here against real output
// by a validator of the part of JSON Schema 2020-12 they use. A keyword
// the validator does not know fails the test, so that the schemas never
// rely on a check that is not made.
const schemaDir = "../docs/schema"

// schemaKeywords are the keywords the validator checks; annotations
// (title, description, ...) are accepted and ignored.
var schemaKeywords = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true,
	"items": true, "maxItems": true, "enum": true, "const": true, "pattern": true,
	"minimum": true, "maximum": true, "allOf": true, "anyOf": true, "oneOf": true,
	"not": true, "if": true, "then": true, "else": true, "$ref": true,
	"$schema": false, "$id": false, "$defs": false, "title": false, "description": false,
	"contentEncoding": false,
}

// validator checks instances against one schema document.
type validator struct {
	root map[string]any
	res  map[string]*regexp.Regexp
}

func loadSchema(t testing.TB, name string) *validator {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(schemaDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("%s: $schema is %v, want draft 2020-12", name, root["$schema"])
	}
	return &validator{root: root, res: map[string]*regexp.Regexp{}}
}

// validateLine decodes one JSON line and validates it.
func (v *validator) validateLine(line string) error {
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	var inst any
	if err := dec.Decode(&inst); err != nil {
		return err
	}
	return v.validate(v.root, inst, "")
}

func (v *validator) validate(s any, inst any, path string) error {
	switch s := s.(type) {
	case bool:
		if !s {
			return fmt.Errorf("%s: schema false", path)
		}
		return nil
	case map[string]any:
		for k := range s {
			if _, ok := schemaKeywords[k]; !ok {
				return fmt.Errorf("schema keyword %q is not checked by this validator", k)
			}
		}
		return v.object(s, inst, path)
	}
	return fmt.Errorf("%s: bad schema %T", path, s)
}

func jsonType(inst any) string {
	switch x := inst.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "number"
		}
		return "integer"
	}
	return fmt.Sprintf("%T", inst)
}

func (v *validator) object(s map[string]any, inst any, path string) error {
	if ref, ok := s["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		defs, _ := v.root["$defs"].(map[string]any)
		if !ok || defs[name] == nil {
			return fmt.Errorf("%s: unresolved $ref %q", path, ref)
		}
		if err := v.validate(defs[name], inst, path); err != nil {
			return err
		}
	}
	if t, ok := s["type"]; ok {
		got := jsonType(inst)
		var want []any
		if l, ok := t.([]any); ok {
			want = l
		} else {
			want = []any{t}
		}
		if !slices.Contains(want, any(got)) && !(got == "integer" && slices.Contains(want, any("number"))) {
			return fmt.Errorf("%s: %s, want %v", path, got, t)
		}
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, inst) {
		return fmt.Errorf("%s: %v, want %v", path, inst, c)
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return jsonEqual(x, inst) }) {
		return fmt.Errorf("%s: %v not in %v", path, inst, e)
	}
	if p, ok := s["pattern"].(string); ok {
		str, isStr := inst.(string)
		if isStr {
			re := v.res[p]
			if re == nil {
				re = regexp.MustCompile(p)
				v.res[p] = re
			}
			if !re.MatchString(str) {
				return fmt.Errorf("%s: %q does not match %s", path, str, p)
			}
		}
	}
	if n, ok := inst.(json.Number); ok {
		f, _ := strconv.ParseFloat(n.String(), 64)
		if m, ok := s["minimum"].(float64); ok && f < m {
			return fmt.Errorf("%s: %v < minimum %v", path, n, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			return fmt.Errorf("%s: %v > maximum %v", path, n, m)
		}
	}
	if arr, ok := inst.([]any); ok {
		if m, ok := s["maxItems"].(float64); ok && float64(len(arr)) > m {
			return fmt.Errorf("%s: %d items, at most %v", path, len(arr), m)
		}
		if items, ok := s["items"]; ok {
			for i, x := range arr {
				if err := v.validate(items, x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	if obj, ok := inst.(map[string]any); ok {
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					return fmt.Errorf("%s: missing %q", path, r)
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, x := range obj {
			if ps, ok := props[k]; ok {
				if err := v.validate(ps, x, path+"."+k); err != nil {
					return err
				}
			} else if ap, ok := s["additionalProperties"]; ok {
				if err := v.validate(ap, x, path+"."+k); err != nil {
					return fmt.Errorf("%s: property %q not allowed: %w", path, k, err)
				}
			}
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			if err := v.validate(sub, inst, path); err != nil {
				return err
			}
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		var errs []string
		for _, sub := range anyOf {
			err := v.validate(sub, inst, path)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if errs != nil {
			return fmt.Errorf("%s: no anyOf matches: %s", path, strings.Join(errs, "; "))
		}
	}
	if oneOf, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range oneOf {
			if v.validate(sub, inst, path) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: %d of oneOf match", path, n)
		}
	}
	if not, ok := s["not"]; ok && v.validate(not, inst, path) == nil {
		return fmt.Errorf("%s: matches a \"not\" schema", path)
	}
	if cond, ok := s["if"]; ok {
		branch := "else"
		if v.validate(cond, inst, path) == nil {
			branch = "then"
		}
		if sub, ok := s[branch]; ok {
			if err := v.validate(sub, inst, path); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonEqual compares two decoded JSON values (schema numbers are
// float64, instance numbers json.Number).
func jsonEqual(a, b any) bool {
	if n, ok := b.(json.Number); ok {
		f, _ := strconv.ParseFloat(n.String(), 64)
		b = f
	}
	if n, ok := a.(json.Number); ok {
		f, _ := strconv.ParseFloat(n.String(), 64)
		a = f
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && jsonType(a) == jsonType(b) ||
		isNum(a) && isNum(b) && a == b
}

func isNum(x any) bool { _, ok := x.(float64); return ok }

// TestSchemas validates the JSON output of every record type and every
// call of the samples, with and without -s and -m, and odd records,
// against the schemas.
func TestSchemas(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		fdTrace, err := tracegen.FDNames(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []Options{{}, {NoData: true}, {MaxData: 3}, {Raw: true}, {FDNames: true}} {
			for mode, v := range map[Mode]*validator{ModeJSON: rec, ModeCallsJSON: call} {
				out := render(t, sample(t, m), mode, o)
				if o.FDNames {
					out += render(t, fdTrace, mode, o)
				}
				for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
					if err := v.validateLine(line); err != nil {
						t.Errorf("%v mode %d %+v line %d: %v\n%s", m, mode, o, i, err, line)
					}
				}
			}
		}
	}
	out := render(t, oddTrace(t), ModeJSON, Options{})
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if err := rec.validateLine(line); err != nil {
			t.Errorf("odd records line %d: %v\n%s", i, err, line)
		}
	}
}

// TestSchemasReject checks that the validator and the schemas catch
// what they are for.
func TestSchemasReject(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	ok := `{"offset":1,"type":"RET","type_num":2,"pid":1,"tid":1,"comm":"x","time":{"sec":1,"nsec":2},"abi":"linux-amd64","flags":0,"syscall":"openat","number":257,"value":"-1","raw":"-2","errno":2,"error":"ENOENT","strerror":"No such file or directory","text":"-1 errno 2"}`
	if err := rec.validateLine(ok); err != nil {
		t.Fatalf("a good RET fails: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(ok, `"time":{"sec":1,"nsec":2}`, `"time":1000000002`, 1),
		strings.Replace(ok, `"value":"-1"`, `"value":"-2"`, 1),
		strings.Replace(ok, `"value":"-1"`, `"value":-1`, 1),
		strings.Replace(ok, `"errno":2`, `"errno":0`, 1),
		strings.Replace(ok, `"flags":0`, `"flags":0,"extra":1`, 1),
		strings.Replace(ok, `,"syscall":"openat"`, ``, 1),
		strings.Replace(ok, `"type":"RET"`, `"type":"GIO"`, 1),
	} {
		if rec.validateLine(bad) == nil {
			t.Errorf("the record schema accepts %s", bad)
		}
	}
	if call.validateLine(`{"offset":1}`) == nil {
		t.Error("the call schema accepts {\"offset\":1}")
	}
}
