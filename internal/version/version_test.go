package version

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"testing"

	"github.com/ktrace-linux/ktrace/format"
)

func TestFromBuildInfo(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", Devel},
		{"(devel)", Devel},
		{"v0.1.0", "v0.1.0"},
		{"v0.0.0-20250101000000-abcdefabcdef+dirty", "v0.0.0-20250101000000-abcdefabcdef+dirty"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/ktrace-linux/ktrace", Version: c.in}}
		if got := fromBuildInfo(bi); got != c.want {
			t.Errorf("fromBuildInfo(Main.Version %q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLinkerVersionWins(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v9.8.7"
	if got := Module(); got != "v9.8.7" {
		t.Errorf("Module() with version set = %q, want v9.8.7", got)
	}
	if got, want := String("kdump"), fmt.Sprintf("kdump version v9.8.7 (trace format %d)", format.Version); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestString(t *testing.T) {
	re := regexp.MustCompile(`^ktrace version \S+ \(trace format [1-9][0-9]*\)$`)
	if s := String("ktrace"); !re.MatchString(s) {
		t.Errorf("String(ktrace) = %q, want a match for %v", s, re)
	}
	if Format != format.Version {
		t.Errorf("Format = %d, format.Version = %d", Format, format.Version)
	}
}
