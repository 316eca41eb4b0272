package arch_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
)

// TestDependentsMatchSpec checks that the dependent arguments compiled
// into each generated table are those depends.txt gives on its ABI, as
// DependentsFromSpec resolves them: run `make generate` after editing
// depends.txt, sets.txt or the structures it names.
func TestDependentsMatchSpec(t *testing.T) {
	text, err := os.ReadFile("depends.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range allTables {
		want, err := arch.DependentsFromSpec(tab, string(text))
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("%v: depends.txt gives no call a Dependent", tab.ABI())
		}
		for _, sc := range tab.Syscalls() {
			w := want[sc.Name]
			delete(want, sc.Name)
			if !reflect.DeepEqual(sc.Dep, w) {
				t.Errorf("%v: the table's Dependent of %s differs from depends.txt's: run make generate\ntable: %s\nspec:  %s%s",
					tab.ABI(), sc.Name, depString(sc.Dep), depString(w), depDiff(sc.Dep, w))
			}
		}
		for name := range want {
			t.Errorf("%v: depends.txt gives %s, which the table lacks", tab.ABI(), name)
		}
	}
}

// depString shows d's selectors and cases, for a failure.
func depString(d *arch.Dependent) string {
	if d == nil {
		return "none"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "selectors %v, structures %v", d.Sel, d.Structs)
	for _, cs := range [][]arch.DepCase{d.Cases, d.Wild} {
		b.WriteString(" [")
		for _, c := range cs {
			b.WriteString(" " + c.Name)
		}
		b.WriteString(" ]")
	}
	return b.String()
}

// depDiff returns the first case where got and want differ, shown.
func depDiff(got, want *arch.Dependent) string {
	if got == nil || want == nil {
		return ""
	}
	show := func(cs []arch.DepCase, i int) string {
		if i >= len(cs) {
			return "none"
		}
		c := cs[i]
		s := fmt.Sprintf("%s %#x:", c.Name, c.Key)
		for j, a := range append(c.Args[:], c.Ret) {
			if a.Given {
				s += fmt.Sprintf(" %d=%+v", j, a.Arg)
				if a.Struct != nil {
					s += fmt.Sprintf("%+v", *a.Struct)
				}
			}
		}
		return s
	}
	for _, l := range [][2][]arch.DepCase{{got.Cases, want.Cases}, {got.Wild, want.Wild}} {
		for i := 0; i < max(len(l[0]), len(l[1])); i++ {
			if i >= len(l[0]) || i >= len(l[1]) || !reflect.DeepEqual(l[0][i], l[1][i]) {
				return fmt.Sprintf("\nfirst difference: table %s\n                  spec  %s", show(l[0], i), show(l[1], i))
			}
		}
	}
	return ""
}

// TestDependentsFromSpecOrder: a statement naming a value that an earlier
// one names too does not change its case (F_GETLK64 is F_GETLK on
// amd64), wild cases are apart from exact ones, and a structure the ABI
// has no layout for leaves its statement out.
func TestDependentsFromSpecOrder(t *testing.T) {
	deps, err := arch.DependentsFromSpec(amd64.Table, `
fcntl 1=F_GETLK: 2=flock_inout
fcntl 1=F_GETLK64,F_SETFL: 2=fd
setsockopt 1=SOL_SOCKET 2=*: 2=enum:sockopt
setsockopt 1=SOL_SOCKET 2=SO_RCVBUF: 3=int_in[len=4]
`)
	if err != nil {
		t.Fatal(err)
	}
	fcntl := deps["fcntl"]
	if fcntl == nil || fcntl.Sel != [2]int8{1, -1} || len(fcntl.Cases) != 2 || fcntl.Wild != nil || !fcntl.Structs {
		t.Fatalf("fcntl: %+v", fcntl)
	}
	// Sorted by key: F_SETFL is 4, F_GETLK 5.
	setfl, _ := amd64.Table.Const("F_SETFL")
	if c := fcntl.Cases[0]; c.Key != setfl || c.Name != "F_SETFL" || c.Args[2].Arg.Kind != arch.ArgFD {
		t.Errorf("fcntl's first case is %s %#x, want F_SETFL's fd", c.Name, c.Key)
	}
	getlk, _ := amd64.Table.Const("F_GETLK")
	if c := fcntl.Cases[1]; c.Key != getlk || c.Name != "F_GETLK" || c.Args[2].Struct == nil {
		t.Errorf("fcntl's second case is %s %#x, want F_GETLK's flock", c.Name, c.Key)
	}
	so := deps["setsockopt"]
	if so == nil || so.Sel != [2]int8{1, 2} || len(so.Cases) != 1 || len(so.Wild) != 1 ||
		so.Cases[0].Name != "SOL_SOCKET/SO_RCVBUF" || so.Wild[0].Name != "SOL_SOCKET/*" {
		t.Errorf("setsockopt: %s", depString(so))
	}
	if _, ok := deps["ioctl"]; ok {
		t.Errorf("ioctl has a Dependent, but the text does not name it")
	}
	// A table without layouts has no flock: F_GETLK's statement is left out.
	bare := arch.NewTable(arch.ABIAmd64, []arch.Syscall{{Name: "fcntl", Known: true}}, []arch.Const{{Name: "F_GETLK", Value: 5}, {Name: "F_SETFL", Value: 4}})
	deps, err = arch.DependentsFromSpec(bare, "fcntl 1=F_GETLK: 2=flock_inout\nfcntl 1=F_SETFL: 2=fd\n")
	if err != nil {
		t.Fatal(err)
	}
	if d := deps["fcntl"]; d == nil || len(d.Cases) != 1 || d.Cases[0].Name != "F_SETFL" || d.Structs {
		t.Errorf("fcntl without layouts: %s", depString(d))
	}
	if _, err := arch.DependentsFromSpec(bare, "fcntl 1=F_GETLK: 2=nosuch_in\n"); err == nil {
		t.Errorf("DependentsFromSpec accepted an unknown kind")
	}
}
