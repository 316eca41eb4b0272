package testutil

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Line is one record of kdump's text output: the header line and the lines
// printed under it (I/O data, further ARGS strings, notes).
type Line struct {
	PID  int
	TID  int // with a thread id column (kdump -H), else 0
	Comm string
	Type string   // CALL, RET, NAMI, GIO, PSIG, EMUL, ARGS, ...
	Body string   // the text after the type column
	More []string // the lines printed under the header line, as printed
	Num  int      // position of the line in the output, from 1
}

// String returns the record as kdump printed it (approximately: spacing
// is normalised).
func (l *Line) String() string {
	var b strings.Builder
	if l.TID != 0 {
		fmt.Fprintf(&b, "%6d %6d %-8.8s %-4s  %s", l.PID, l.TID, l.Comm, l.Type, l.Body)
	} else {
		fmt.Fprintf(&b, "%6d %-8.8s %-4s  %s", l.PID, l.Comm, l.Type, l.Body)
	}
	for _, m := range l.More {
		b.WriteString("\n")
		b.WriteString(m)
	}
	return b.String()
}

var (
	// "%6d %-8.8s " then the type and its padding.
	recRE = regexp.MustCompile(`^ *(\d+) (.{8}) ([A-Z]{3,5}|UNKNOWN\(\d+\))(?: +(.*))?$`)
	// "%6d %6d %-8.8s " (kdump -H).
	recTidRE = regexp.MustCompile(`^ *(\d+) +(\d+) (.{8}) ([A-Z]{3,5}|UNKNOWN\(\d+\))(?: +(.*))?$`)
)

// ParseKdump splits kdump's text output into records. withTID says the
// output has the thread id column (-H). Lines before the first record are
// returned as an error.
func ParseKdump(out []byte, withTID bool) ([]Line, error) {
	var lines []Line
	re := recRE
	if withTID {
		re = recTidRE
	}
	for i, s := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if s == "" && len(out) == 0 {
			break
		}
		m := re.FindStringSubmatch(s)
		if m == nil {
			if len(lines) == 0 {
				return nil, fmt.Errorf("kdump line %d is not a record: %q", i+1, s)
			}
			l := &lines[len(lines)-1]
			l.More = append(l.More, s)
			continue
		}
		var l Line
		l.Num = i + 1
		l.PID, _ = strconv.Atoi(m[1])
		k := 2
		if withTID {
			l.TID, _ = strconv.Atoi(m[2])
			k = 3
		}
		l.Comm = strings.TrimRight(m[k], " ")
		l.Type = m[k+1]
		l.Body = m[k+2]
		lines = append(lines, l)
	}
	return lines, nil
}

// Kdump runs the kdump binary on file with flags and returns its records;
// a non-zero exit or anything on stderr fails tb. Flags containing -H are
// parsed with the thread id column.
func Kdump(tb testing.TB, kdump, file string, flags ...string) []Line {
	tb.Helper()
	args := append([]string{"-f", file}, flags...)
	withTID := false
	for _, f := range flags {
		if strings.HasPrefix(f, "-") && !strings.HasPrefix(f, "--") && strings.Contains(f, "H") {
			withTID = true
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kdump, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := Run(tb, 0, cmd)
	if res.Err != nil || stderr.Len() > 0 {
		tb.Fatalf("kdump %s: %v\nstderr:\n%s", strings.Join(args, " "), res.Err, Clip(stderr.Bytes(), 4000))
	}
	lines, err := ParseKdump(stdout.Bytes(), withTID)
	if err != nil {
		tb.Fatalf("kdump %s: %v", strings.Join(args, " "), err)
	}
	return lines
}

// Dump returns the records as text, for failure messages; long dumps keep
// their head and tail.
func Dump(lines []Line) string {
	var b strings.Builder
	const keep = 60
	for i := range lines {
		if len(lines) > 2*keep && i == keep {
			fmt.Fprintf(&b, "... (%d records) ...\n", len(lines)-2*keep)
		}
		if len(lines) > 2*keep && i >= keep && i < len(lines)-keep {
			continue
		}
		s := lines[i].String()
		if len(s) > 400 {
			s = s[:400] + "..."
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

// FmtRet formats a successful return value as kdump prints it: decimal,
// then "/0x..." (the 64-bit pattern) when it is negative or above 9.
func FmtRet(v int64) string {
	if v < 0 || v > 9 {
		return fmt.Sprintf("%d/%#x", v, uint64(v))
	}
	return strconv.FormatInt(v, 10)
}

var genioRE = regexp.MustCompile(`^fd (-?\d+) (read|wrote|write) (\d+) bytes?\b`)

// Genio is the header of a GIO record.
type Genio struct {
	FD    int
	Write bool
	Len   int // bytes the call transferred
}

// ParseGenio decodes the body of a GIO record ("fd 3 read 5 bytes").
func (l *Line) ParseGenio() (Genio, bool) {
	m := genioRE.FindStringSubmatch(l.Body)
	if l.Type != "GIO" || m == nil {
		return Genio{}, false
	}
	var g Genio
	g.FD, _ = strconv.Atoi(m[1])
	g.Write = m[2] != "read"
	g.Len, _ = strconv.Atoi(m[3])
	return g, true
}

var (
	capturedRE  = regexp.MustCompile(`captured (\d+) (?:bytes )?of (\d+)`)
	capturedRE2 = regexp.MustCompile(`(\d+) (?:bytes )?of (\d+)(?: bytes)? captured`)
)

// Captured returns the "captured N of M" note of a cut record (in either
// word order), and whether there is one.
func (l *Line) Captured() (n, of int, ok bool) {
	text := l.Body + "\n" + strings.Join(l.More, "\n")
	m := capturedRE.FindStringSubmatch(text)
	if m == nil {
		m = capturedRE2.FindStringSubmatch(text)
	}
	if m == nil {
		return 0, 0, false
	}
	n, _ = strconv.Atoi(m[1])
	of, _ = strconv.Atoi(m[2])
	return n, of, true
}

// Data decodes the vis-escaped quoted data lines printed under a record
// (each line quoted, or a quoted string continued with a trailing
// backslash). Lines that are not quoted data are returned as notes.
func (l *Line) Data() (data []byte, notes []string, err error) {
	in := false
	for _, s := range l.More {
		t := strings.TrimLeft(s, " \t")
		if !in {
			if !strings.HasPrefix(t, `"`) {
				notes = append(notes, t)
				continue
			}
			t = t[1:]
			in = true
		}
		// Scan to the closing quote, a continuation backslash at the end
		// of the line, or the end of the line (wrapped without a mark).
		i := 0
		for i < len(t) && in {
			switch t[i] {
			case '\\':
				if i == len(t)-1 {
					d, err := Unvis(t[:i])
					if err != nil {
						return nil, nil, err
					}
					data = append(data, d...)
					t, i = "", 0
					continue
				}
				i += escLen(t, i)
			case '"':
				d, err := Unvis(t[:i])
				if err != nil {
					return nil, nil, err
				}
				data = append(data, d...)
				if rest := strings.TrimSpace(t[i+1:]); rest != "" {
					notes = append(notes, rest)
				}
				in = false
				t = ""
			default:
				i++
			}
		}
		if in && t != "" {
			d, err := Unvis(t)
			if err != nil {
				return nil, nil, err
			}
			data = append(data, d...)
		}
	}
	if in {
		return data, notes, fmt.Errorf("record at line %d: unterminated quoted data", l.Num)
	}
	return data, notes, nil
}

// escLen returns the length of the vis escape sequence starting with the
// backslash at s[i].
func escLen(s string, i int) int {
	rest := s[i+1:]
	switch {
	case rest == "":
		return 1
	case strings.HasPrefix(rest, "M-") || strings.HasPrefix(rest, "M^"):
		return min(4, len(rest)+1)
	case rest[0] == '^':
		return min(3, len(rest)+1)
	case rest[0] == 'x':
		n := 1
		for n < 3 && n < len(rest) && isHex(rest[n]) {
			n++
		}
		return n + 1
	case rest[0] >= '0' && rest[0] <= '7':
		n := 1
		for n < 3 && n < len(rest) && rest[n] >= '0' && rest[n] <= '7' {
			n++
		}
		return n + 1
	}
	return 2
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// Unvis decodes the escapes of vis(3): the C-style ones (\n \t \r \a \b
// \v \f \0 \s \\ \"), octal \ooo, hex \xHH, and the meta and control forms
// \M-c, \M^c, \^c.
func Unvis(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		n := escLen(s, i)
		esc := s[i+1 : i+n]
		i += n
		if esc == "" {
			return nil, fmt.Errorf("trailing backslash in %q", s)
		}
		switch esc[0] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'v':
			out = append(out, '\v')
		case 'f':
			out = append(out, '\f')
		case 's':
			out = append(out, ' ')
		case 'E':
			out = append(out, 0x1b)
		case '\\', '"', '\'', '$', '?':
			out = append(out, esc[0])
		case 'x':
			v, err := strconv.ParseUint(esc[1:], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad escape \\%s in %q", esc, s)
			}
			out = append(out, byte(v))
		case 'M':
			if len(esc) != 3 {
				return nil, fmt.Errorf("bad escape \\%s in %q", esc, s)
			}
			if esc[1] == '-' {
				out = append(out, esc[2]|0x80)
			} else {
				out = append(out, ctrl(esc[2])|0x80)
			}
		case '^':
			if len(esc) != 2 {
				return nil, fmt.Errorf("bad escape \\%s in %q", esc, s)
			}
			out = append(out, ctrl(esc[1]))
		default:
			if esc[0] >= '0' && esc[0] <= '7' {
				v, _ := strconv.ParseUint(esc, 8, 16)
				out = append(out, byte(v))
				continue
			}
			return nil, fmt.Errorf("unknown escape \\%s in %q", esc, s)
		}
	}
	return out, nil
}

// ctrl returns the control character vis writes as ^c.
func ctrl(c byte) byte {
	if c == '?' {
		return 0x7f
	}
	return c & 0x1f
}
