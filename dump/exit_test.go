package dump

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// TestExit renders EXIT records: an exit status, a death by a signal
// with and without a core dump, as text and as JSON.
func TestExit(t *testing.T) {
	var buf bytes.Buffer
	w := format.NewWriter(&buf)
	h := func(pid int32) *format.Header {
		hd := &format.Header{PID: pid, TID: pid, Time: 1, ABI: arch.ABIAmd64}
		hd.SetComm("prog")
		return hd
	}
	for _, err := range []error{
		w.WriteStart(h(1), &format.Start{Version: format.Version, Machine: arch.MachineAmd64}),
		w.WriteExit(h(10), format.Exit{Status: 3 << 8}),
		w.WriteExit(h(11), format.Exit{Status: 9}),
		w.WriteExit(h(12), format.Exit{Status: 0x80 | 11}),
		w.Flush(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	text := render(t, buf.Bytes(), ModeText, Options{})
	for _, want := range []string{
		"    10 prog     EXIT  exited with 3\n",
		"    11 prog     EXIT  killed by SIGKILL\n",
		"    12 prog     EXIT  killed by SIGSEGV (core dumped)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	js := render(t, buf.Bytes(), ModeJSON, Options{})
	for _, want := range []string{
		`"type":"EXIT"`, `"pid":10,`, `,"status":3}`,
		`,"signal":"SIGKILL","signo":9}`, `,"signal":"SIGSEGV","signo":11,"core":true}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON lacks %q:\n%s", want, js)
		}
	}
}
