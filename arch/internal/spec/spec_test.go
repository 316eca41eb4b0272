package spec

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSignatures(t *testing.T) {
	sigs, err := ParseSignatures("t", `
# comment
read(fd, bufout[len=2], size)   # trailing comment
getpid()
clone@arm64,i386(flags:clone, ptr)
fcntl(fd, enum:fcntl, long int)
clone(long flags:clone, ptr)
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Signature{
		{Name: "read", Args: []Arg{{"fd", "", -1, false}, {"bufout", "", 2, false}, {"size", "", -1, false}}, Line: 3},
		{Name: "getpid", Line: 4},
		{Name: "clone", ABIs: []string{"arm64", "i386"}, Args: []Arg{{"flags", "clone", -1, false}, {"ptr", "", -1, false}}, Line: 5},
		{Name: "fcntl", Args: []Arg{{"fd", "", -1, false}, {"enum", "fcntl", -1, false}, {"int", "", -1, true}}, Line: 6},
		{Name: "clone", Args: []Arg{{"flags", "clone", -1, true}, {"ptr", "", -1, false}}, Line: 7},
	}
	if !reflect.DeepEqual(sigs, want) {
		t.Errorf("got %+v\nwant %+v", sigs, want)
	}
}

func TestParseSignatureTraits(t *testing.T) {
	sigs, err := ParseSignatures("t", `
execve(path, argv, envp) !exec %process   # comment
clone@arm64(flags:clone) !fork
    !clone-flags %process                 # continued
getpid()
ustat(int, ptr) %%statfs
`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"!exec", "%process"}, {"!fork", "!clone-flags", "%process"}, nil, {"%%statfs"}}
	for i, s := range sigs {
		if !reflect.DeepEqual(s.Traits, want[i]) {
			t.Errorf("%s: traits %q, want %q", s.Name, s.Traits, want[i])
		}
	}
	if len(sigs) != 4 || len(sigs[0].Args) != 3 || len(sigs[1].Args) != 1 || sigs[1].Line != 3 {
		t.Errorf("signatures %+v", sigs)
	}
}

func TestParseTraitErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"getpid()\nexecve(path) exec", `t:2: execve: bad trait "exec": want !name or %class after the arguments`},
		{"execve(path) !", `t:1: execve: bad trait "!"`},
		{"execve(path) !Exec", `t:1: execve: bad trait "!Exec"`},
		{"execve(path) !-exec", `t:1: execve: bad trait "!-exec"`},
		{"execve(path) %net-", `t:1: execve: bad trait "%net-"`},
		{"execve(path) %%", `t:1: execve: bad trait "%%"`},
		{"execve(path) %%%net", `t:1: execve: bad trait "%%%net"`},
		{"execve(path) !!exec", `t:1: execve: bad trait "!!exec"`},
		{"execve(path) !ex_ec", `t:1: execve: bad trait "!ex_ec"`},
		{"execve(path) !exec %process !exec", `t:1: execve: trait !exec given twice`},
		{"execve(path) !exec)", `t:1: execve: bad trait "!exec)"`},
		{"execve(path) ! exec", `t:1: execve: bad trait "!"`},
		{"\nexecve(path)\n  !exec !exec", `t:2: execve: trait !exec given twice`},
	} {
		_, err := ParseSignatures("t", c.text)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseSignatures(%q): %v; want %s", c.text, err, c.want)
		}
	}
}

func TestParseSignatureErrors(t *testing.T) {
	for _, bad := range []string{
		"read(fd",
		"read fd)",
		"1read(fd)",
		"read@sparc(fd)",
		"read(fd, bufout[len=9], size)",
		"read(fd, bufout[len=x], size)",
		"read(fd, bufout[2], size)",
		"read(fd, flags, size)",
		"read(fd, int:open)",
		"read(fd, flags:, size)",
		"read(a, b, c, d, e, f, g)",
		"read(fd,, size)",
		"read(fd)\nread(fd)",
		"read(fd, long long int)",
	} {
		if _, err := ParseSignatures("t", bad); err == nil {
			t.Errorf("ParseSignatures(%q) accepted", bad)
		} else if !strings.HasPrefix(err.Error(), "t:") {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

func TestParseSets(t *testing.T) {
	sets, consts, err := ParseSets("t", `
const R_OK 4
const F_GETLK64@i386 12
flags open: [O_ACCMODE: O_RDONLY O_WRONLY
    O_RDWR] O_CREAT   # continued
enum whence: SEEK_SET SEEK_CUR
flags clone: CLONE_VM [0xff: signal]
`)
	if err != nil {
		t.Fatal(err)
	}
	wantConsts := []Const{{"R_OK", nil, "4", 2}, {"F_GETLK64", []string{"i386"}, "12", 3}}
	if !reflect.DeepEqual(consts, wantConsts) {
		t.Errorf("consts %+v", consts)
	}
	wantSets := []Set{
		{Name: "open", Items: []Item{{Mask: "O_ACCMODE", Members: []string{"O_RDONLY", "O_WRONLY", "O_RDWR"}}, {Name: "O_CREAT"}}, Line: 4},
		{Name: "whence", Enum: true, Items: []Item{{Name: "SEEK_SET"}, {Name: "SEEK_CUR"}}, Line: 6},
		{Name: "clone", Items: []Item{{Name: "CLONE_VM"}, {Mask: "0xff", Signal: true}}, Line: 7},
	}
	if !reflect.DeepEqual(sets, wantSets) {
		t.Errorf("sets %+v", sets)
	}
	if got := sets[0].ConstNames(); !reflect.DeepEqual(got, []string{"O_ACCMODE", "O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT"}) {
		t.Errorf("ConstNames = %v", got)
	}
	if got := sets[2].ConstNames(); !reflect.DeepEqual(got, []string{"CLONE_VM"}) {
		t.Errorf("ConstNames = %v", got)
	}
}

func TestParseSetErrors(t *testing.T) {
	for _, bad := range []string{
		"flags x:",
		"flags : A",
		"flags x A B",
		"enum x: [M: A]",
		"flags x: [M: A",
		"flags x: [M A]",
		"flags x: [M:]",
		"flags x: A-B",
		"flags x: A\nflags x: B",
		"const A",
		"const A 1 2",
		"const A 1\nconst A 2",
		"const A@mips 1",
		"const A 1x",
		"bits x: A",
	} {
		if _, _, err := ParseSets("t", bad); err == nil {
			t.Errorf("ParseSets(%q) accepted", bad)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "12": 12, "0x1f": 31, "010": 8, "-1": ^uint64(0)} {
		if got, err := ParseNumber(in); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "0x", "--1", "1.5"} {
		if IsNumber(bad) {
			t.Errorf("IsNumber(%q)", bad)
		}
	}
}
