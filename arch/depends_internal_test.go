package arch

import (
	"strings"
	"testing"
)

// TestParseDependsKinds: depends.txt gives argument kinds of
// syscalls.txt or its own structures, nothing else.
func TestParseDependsKinds(t *testing.T) {
	if _, err := parseDepends("ioctl 1=TCGETS: 2=termios_out ret=fd\nfcntl 1=F_SETFL: 2=flags:open\n"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ text, want string }{
		{"ioctl 1=TCGETS: 2=termios_sideways", "want termios_in"},
		{"ioctl 1=TCGETS: 2=nosuch_out", "unknown kind"},
		{"ioctl 1=TCGETS: 2=nokind", "unknown kind"},
		{"ioctl 1=TCGETS: 2=stat_out", "use the structures of depends.txt"},
		{"ioctl 1=TCGETS: 2=fd[len=3]", "takes no length"},
	} {
		if _, err := parseDepends(c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseDepends(%q) = %v, want an error with %q", c.text, err, c.want)
		}
	}
}
