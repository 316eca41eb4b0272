package arch

import (
	"strings"
	"testing"
)

// TestParseSpecTraits checks that parseSpec turns trait names into bits,
// adding up the lines of a call, and names the line of an unknown one.
func TestParseSpecTraits(t *testing.T) {
	d, err := parseSpec("execve(path, argv, envp) !exec %process\nfoo@i386() !rename\nfoo()\n", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []Traits{TraitExecs | ClassProcess, TraitRenames, 0}; len(d.traits) != 3 ||
		d.traits[0] != want[0] || d.traits[1] != want[1] || d.traits[2] != want[2] {
		t.Errorf("traits %v, want %v", d.traits, want)
	}
	for _, c := range []struct{ text, want string }{
		{"getpid()\nexecve(path) !exce", `syscalls.txt:2: execve: unknown trait "!exce" (traits: !exec !fork`},
		{"getpid() %file", `syscalls.txt:1: getpid: unknown trait "%file"`},
	} {
		_, err := parseSpec(c.text, "")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseSpec(%q): %v; want %s...", c.text, err, c.want)
		}
	}
}

// TestParseSpecLong checks that "long" is taken only before a kind the
// kernel reads as an int by default.
func TestParseSpecLong(t *testing.T) {
	d, err := parseSpec("fcntl(fd, enum:fcntl, long int)\n", "")
	if err != nil || !d.sigs[0].Args[2].Long || d.sigs[0].Args[1].Long {
		t.Fatalf("parseSpec: %v %+v", err, d)
	}
	const want = "syscalls.txt:1: brk argument 0: ptr is long already"
	if _, err := parseSpec("brk(long ptr)\n", ""); err == nil || err.Error() != want {
		t.Errorf("parseSpec(brk(long ptr)): %v, want %s", err, want)
	}
}
