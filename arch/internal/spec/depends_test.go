package spec

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDepends(t *testing.T) {
	text := `# comment
fcntl,fcntl64 1=F_SETFL: 2=flags:open
fcntl 1=F_GETFL,
    F_GETFD: ret=flags:open
setsockopt 1=SOL_TCP 2=*: 2=enum:tcpopt
setsockopt 1=SOL_TCP 2=TCP_NODELAY: 3=int_in[len=4]
`
	deps, err := ParseDepends("d.txt", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Depend{
		{Calls: []string{"fcntl", "fcntl64"}, Sel: []Selector{{1, []string{"F_SETFL"}}},
			Assign: []Assign{{2, Arg{Kind: "flags", Set: "open", Len: -1}}}, Line: 2},
		{Calls: []string{"fcntl"}, Sel: []Selector{{1, []string{"F_GETFL", "F_GETFD"}}},
			Assign: []Assign{{-1, Arg{Kind: "flags", Set: "open", Len: -1}}}, Line: 3},
		{Calls: []string{"setsockopt"}, Sel: []Selector{{1, []string{"SOL_TCP"}}, {2, nil}},
			Assign: []Assign{{2, Arg{Kind: "enum", Set: "tcpopt", Len: -1}}}, Line: 5},
		{Calls: []string{"setsockopt"}, Sel: []Selector{{1, []string{"SOL_TCP"}}, {2, []string{"TCP_NODELAY"}}},
			Assign: []Assign{{3, Arg{Kind: "int_in", Len: 4}}}, Line: 6},
	}
	if !reflect.DeepEqual(deps, want) {
		t.Errorf("got %+v\nwant %+v", deps, want)
	}
	if names := deps[1].ConstNames(); !reflect.DeepEqual(names, []string{"F_GETFL", "F_GETFD"}) {
		t.Errorf("ConstNames = %v", names)
	}
}

func TestParseDependsErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"fcntl 1=F_SETFL 2=flags:open", "want CALL"},
		{"fcntl: 2=fd", "one or two selectors"},
		{"fcntl 9=F_SETFL: 2=fd", "want N=CONST"},
		{"fcntl 1=*: 2=fd", "only a second selector"},
		{"fcntl 1=F-X: 2=fd", "bad constant"},
		{"fcntl 1=F_SETFL:", "nothing given a kind"},
		{"fcntl 1=F_SETFL: 2", "want N=kind"},
		{"fcntl 1=F_SETFL: 1=fd", "both selects"},
		{"fcntl 1=F_SETFL: 2=fd 2=pid", "given twice"},
		{"fcntl 1=F_SETFL: 2=flags", "needs a set"},
		{"x 1=A 1=B: 2=fd", "selects twice"},
		{"x 1=A: 2=fd\nx 0=B: 2=fd", "selects by arguments"},
	} {
		_, err := ParseDepends("d.txt", c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseDepends(%q) = %v, want an error with %q", c.text, err, c.want)
		}
	}
}
