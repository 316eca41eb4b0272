package dump

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// writeTrace returns a trace of a START record and the records write
// writes, failing t on any error.
func writeTrace(t *testing.T, write func(*format.Writer) []error) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := format.NewWriter(&buf)
	h := &format.Header{PID: 1, TID: 1, Time: 1, ABI: arch.ABIAmd64}
	h.SetComm("ktrace")
	errs := append([]error{w.WriteStart(h, &format.Start{Version: format.Version, Machine: arch.MachineAmd64})}, write(w)...)
	for _, err := range append(errs, w.Flush()) {
		if err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestExit renders EXIT records: an exit status, a death by a signal
// with and without a core dump, as text and as JSON.
func TestExit(t *testing.T) {
	h := func(pid int32) *format.Header {
		hd := &format.Header{PID: pid, TID: pid, Time: 1, ABI: arch.ABIAmd64}
		hd.SetComm("prog")
		return hd
	}
	trace := writeTrace(t, func(w *format.Writer) []error {
		return []error{
			w.WriteExit(h(10), format.Exit{Status: 3 << 8}),
			w.WriteExit(h(11), format.Exit{Status: 9}),
			w.WriteExit(h(12), format.Exit{Status: 0x80 | 11}),
		}
	})
	text := render(t, trace, ModeText, Options{})
	for _, want := range []string{
		"    10 prog     EXIT  exited with 3\n",
		"    11 prog     EXIT  killed by SIGKILL\n",
		"    12 prog     EXIT  killed by SIGSEGV (core dumped)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	js := render(t, trace, ModeJSON, Options{})
	for _, want := range []string{
		`"type":"EXIT"`, `"pid":10,`, `,"status":3}`,
		`,"signal":9,"signame":"SIGKILL"}`, `,"signal":11,"signame":"SIGSEGV","core":true}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON lacks %q:\n%s", want, js)
		}
	}
	schema := loadSchema(t, "kdump-record.json")
	for i, line := range strings.Split(strings.TrimSuffix(js, "\n"), "\n") {
		if err := schema.validateLine(line); err != nil {
			t.Errorf("line %d against the schema: %v\n%s", i, err, line)
		}
	}
	bad := `{"offset":1,"type":"EXIT","type_num":13,"pid":1,"tid":1,"comm":"x","time":{"sec":1,"nsec":2},"abi":"linux-amd64","flags":0,"status":3,"signal":9,"signame":"SIGKILL"}`
	if schema.validateLine(bad) == nil {
		t.Error("the schema accepts an EXIT with both a status and a signal")
	}
}
