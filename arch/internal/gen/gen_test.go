package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"github.com/ktrace-linux/ktrace/arch/internal/spec"
)

// generated lists the files the generator writes, relative to arch/.
var generated = []string{
	"zerrno_gen.go",
	"amd64/ztable_gen.go",
	"amd64/ztable386_gen.go",
	"arm64/ztable_gen.go",
	"amd64/zdepends_gen.go",
	"amd64/zdepends386_gen.go",
	"arm64/zdepends_gen.go",
}

// TestUpToDate regenerates the tables into a temporary directory and checks
// that the committed files match: run `go generate ./arch/...` if not.
func TestUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	archDir := filepath.Join("..", "..")
	out := t.TempDir()
	if err := run(archDir, out, ""); err != nil {
		t.Fatal(err)
	}
	for _, f := range generated {
		want, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(archDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("arch/%s is out of date: run go generate ./arch/...", f)
		}
	}
}

func TestEvalConsts(t *testing.T) {
	src := `package p
import "syscall"
const (
	A = 0x10
	B = A | 0x1
	C = -0x64
	D = syscall.Errno(0x2)
	E = (1 << 4) + B
	F = "string"
	G = H
	K = 7 / 2
)`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := evalConsts(f)
	want := map[string]uint64{"A": 0x10, "B": 0x11, "C": 0xffffffffffffff9c, "D": 2, "E": 0x21, "K": 3}
	if len(got) != len(want) {
		t.Errorf("evalConsts = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#x, want %#x", k, got[k], v)
		}
	}
	if typ := constTypes(f)["D"]; typ != "Errno" {
		t.Errorf("type of D = %q", typ)
	}
}

func TestResolveConsts(t *testing.T) {
	_, data, err := spec.ParseSets("t", `
const X 1
const X@i386 2
const Y Z
const W NOPE
`)
	if err != nil {
		t.Fatal(err)
	}
	xsys := map[string]uint64{"X": 9, "Z": 5, "Q": 7}
	for abi, want := range map[string]map[string]uint64{
		"amd64": {"X": 1, "Y": 5, "Q": 7},
		"i386":  {"X": 2, "Y": 5, "Q": 7},
	} {
		got, err := resolveConsts(abi, []string{"Q", "W", "X", "Y", "MISSING"}, data, xsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", abi, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %d, want %d", abi, k, got[k], v)
			}
		}
	}
	xv := map[string]map[string]uint64{"amd64": xsys}
	if resolvedAnywhere(data[3], data, xv) {
		t.Error("const W NOPE resolved")
	}
	if !resolvedAnywhere(data[2], data, xv) {
		t.Error("const Y Z did not resolve")
	}
	_, loop, _ := spec.ParseSets("t", "const A B\nconst B A\n")
	if _, err := resolveConsts("amd64", []string{"A"}, loop, nil); err == nil {
		t.Error("a definition loop was accepted")
	}
}

func TestCapitalize(t *testing.T) {
	for in, want := range map[string]string{"no such file": "No such file", "I/O error": "I/O error", "": ""} {
		if got := capitalize(in); got != want {
			t.Errorf("capitalize(%q) = %q", in, got)
		}
	}
}
