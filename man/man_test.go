// Package man holds the manual pages ktrace.1 and kdump.1 (mdoc, read by
// man(1), mandoc(1) and groff(1)); its tests check them against the
// commands.
package man

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// pages are the manual pages, one per command.
var pages = []string{"ktrace", "kdump"}

// TestLint has mandoc and groff check the pages: no warnings at all.
// mandoc's style notes (manuals that Xr names but this machine lacks) are
// left out: they depend on what is installed.
func TestLint(t *testing.T) {
	for _, name := range pages {
		t.Run(name, func(t *testing.T) {
			file := name + ".1"
			ran := false
			if _, err := exec.LookPath("mandoc"); err == nil {
				ran = true
				res := testutil.Run(t, 0, exec.Command("mandoc", "-T", "lint", "-W", "warning", file))
				if res.Err != nil || len(res.Stdout)+len(res.Stderr) > 0 {
					t.Errorf("mandoc -T lint -W warning %s: %s", file, res)
				}
			}
			if _, err := exec.LookPath("groff"); err == nil {
				ran = true
				res := testutil.Run(t, 0, exec.Command("groff", "-ww", "-mandoc", "-z", file))
				if res.Err != nil || len(res.Stdout)+len(res.Stderr) > 0 {
					t.Errorf("groff -ww -mandoc -z %s: %s", file, res)
				}
			}
			if !ran {
				t.Skip("neither mandoc nor groff is installed")
			}
		})
	}
}

// flag is a command-line flag: its shorthand letter (or "") and its name.
type flag struct{ short, long string }

func (f flag) String() string {
	if f.short == "" {
		return "--" + f.long
	}
	return fmt.Sprintf("-%s/--%s", f.short, f.long)
}

// helpFlag matches a flag line of cobra's --help output.
var helpFlag = regexp.MustCompile(`^\s+(?:-(\S), )?--([a-z0-9][a-z0-9-]*)\b`)

// commandFlags returns the flags "bin --help" lists.
func commandFlags(t *testing.T, bin string) []flag {
	t.Helper()
	res := testutil.Run(t, 0, exec.Command(bin, "--help"))
	if res.Err != nil {
		t.Fatalf("%s --help: %s", bin, res)
	}
	var flags []flag
	inFlags := false
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		switch {
		case line == "Flags:":
			inFlags = true
		case inFlags && line == "":
			inFlags = false
		case inFlags:
			m := helpFlag.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s --help: unexpected flag line %q", bin, line)
			}
			flags = append(flags, flag{m[1], m[2]})
		}
	}
	if len(flags) < 3 {
		t.Fatalf("%s --help: only %d flags found in:\n%s", bin, len(flags), res.Stdout)
	}
	return flags
}

// section returns the lines of the mdoc section .Sh name.
func section(lines []string, name string) []string {
	var out []string
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, ".Sh ") {
			in = l == ".Sh "+name
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

// flagWords returns what follows each Fl macro of an mdoc line, with the
// escape \- as '-': "a", "-append", "aCcdi".
func flagWords(line string) []string {
	w := strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "."), `\-`, "-"))
	var out []string
	for i := 0; i+1 < len(w); i++ {
		if w[i] == "Fl" {
			out = append(out, w[i+1])
		}
	}
	return out
}

// TestFlagsDocumented checks each page against its command's --help:
// every flag has an item ".It Fl x , Fl \-name ..." in DESCRIPTION and is
// in the SYNOPSIS (but -h), and every item describes a real flag.
func TestFlagsDocumented(t *testing.T) {
	for _, name := range pages {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(name + ".1")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(src), "\n")
			flags := commandFlags(t, testutil.Tool(t, name))

			// The items of DESCRIPTION that start with Fl.
			var items [][]string
			for _, l := range section(lines, "DESCRIPTION") {
				if strings.HasPrefix(l, ".It Fl ") {
					items = append(items, flagWords(l))
				}
			}
			var synopsis []string
			for _, l := range section(lines, "SYNOPSIS") {
				synopsis = append(synopsis, flagWords(l)...)
			}
			for _, f := range flags {
				want := []string{"-" + f.long}
				if f.short != "" {
					want = append(want, f.short)
				}
				found := slices.ContainsFunc(items, func(it []string) bool {
					for _, w := range want {
						if !slices.Contains(it, w) {
							return false
						}
					}
					return true
				})
				if !found {
					t.Errorf("%s.1: no item \".It%s\" for %v", name, itemFor(f), f)
				}
				if f.long == "help" {
					continue
				}
				inSynopsis := slices.Contains(synopsis, "-"+f.long)
				if f.short != "" {
					inSynopsis = slices.ContainsFunc(synopsis, func(w string) bool {
						return !strings.HasPrefix(w, "-") && strings.Contains(w, f.short)
					})
				}
				if !inSynopsis {
					t.Errorf("%s.1: %v missing from the SYNOPSIS", name, f)
				}
			}
			// And no item describes a flag the command lacks.
			for _, it := range items {
				for _, w := range it {
					known := slices.ContainsFunc(flags, func(f flag) bool {
						return w == "-"+f.long || w == f.short
					})
					if !known {
						t.Errorf("%s.1 describes -%s, which %s --help does not list", name, w, name)
					}
				}
			}
		})
	}
}

// itemFor shows the mdoc item that documents f.
func itemFor(f flag) string {
	var b bytes.Buffer
	if f.short != "" {
		fmt.Fprintf(&b, " Fl %s ,", f.short)
	}
	fmt.Fprintf(&b, ` Fl \-%s`, strings.ReplaceAll(f.long, "-", `\-`))
	return b.String()
}
