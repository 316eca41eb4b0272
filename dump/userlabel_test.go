package dump

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// TestUserLabel: -u LABEL keeps the USER records of that label and the
// records of other types.
func TestUserLabel(t *testing.T) {
	var buf bytes.Buffer
	w := format.NewWriter(&buf)
	h := &format.Header{PID: 5, TID: 5, Time: 1, ABI: arch.ABIAmd64}
	h.SetComm("prog")
	for _, err := range []error{
		w.WriteStart(h, &format.Start{Version: format.Version, Machine: arch.MachineAmd64}),
		w.WriteLabeled(h, format.TypeUser, "phase", []byte("one")),
		w.WriteLabeled(h, format.TypeUser, "other", []byte("two")),
		w.WriteCall(h, 39, nil),
		w.WriteLabeled(h, format.TypeUser, "phase", []byte("three")),
		w.WriteExit(h, format.Exit{}),
		w.Flush(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	out := render(t, buf.Bytes(), ModeText, Options{Filter: CallFilter{UserLabel: "phase"}})
	var kept []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "5" {
			kept = append(kept, f[2])
		}
		if strings.Contains(l, "other") {
			t.Errorf("a USER record of another label: %q", l)
		}
	}
	if got := strings.Join(kept, " "); got != "USER CALL USER EXIT" {
		t.Errorf("records %s, want USER CALL USER EXIT:\n%s", got, out)
	}
}
