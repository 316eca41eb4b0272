package dump

import (
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// TestUserLabel: -u LABEL keeps the USER records of that label and the
// records of other types.
func TestUserLabel(t *testing.T) {
	h := &format.Header{PID: 5, TID: 5, Time: 1, ABI: arch.ABIAmd64}
	h.SetComm("prog")
	trace := writeTrace(t, func(w *format.Writer) []error {
		return []error{
			w.WriteLabeled(h, format.TypeUser, "phase", []byte("one")),
			w.WriteLabeled(h, format.TypeUser, "other", []byte("two")),
			w.WriteCall(h, 39, nil),
			w.WriteLabeled(h, format.TypeUser, "phase", []byte("three")),
			w.WriteExit(h, format.Exit{}),
		}
	})
	out := render(t, trace, ModeText, Options{Filter: CallFilter{UserLabel: "phase"}})
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
