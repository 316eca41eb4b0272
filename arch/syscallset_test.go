package arch_test

import (
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
)

func TestParseSyscallSet(t *testing.T) {
	tab := amd64.Table
	for _, c := range []struct {
		list    string
		has     []string
		hasNot  []string
		nameLen int // exact count when > 0
	}{
		{list: "openat", has: []string{"openat"}, hasNot: []string{"open", "read"}, nameLen: 1},
		{list: "openat, read ,close", has: []string{"openat", "read", "close"}, nameLen: 3},
		{list: "!openat", has: []string{"read", "open"}, hasNot: []string{"openat"}},
		{list: "!!openat", has: []string{"openat"}, nameLen: 1},
		{list: "/^open", has: []string{"open", "openat", "openat2", "open_by_handle_at", "open_tree"}, hasNot: []string{"reopen", "read"}},
		{list: "%%stat", has: []string{"stat", "lstat", "fstat", "newfstatat", "statx"}, hasNot: []string{"statfs"}},
		{list: "%file,%net", has: []string{"openat", "socket", "connect"}, hasNot: []string{"read"}},
		{list: "?nosuchcall,read", has: []string{"read"}, nameLen: 1},
		{list: "?stat64,read", has: []string{"read"}, nameLen: 1}, // stat64 is i386 only
		{list: "257", has: []string{"openat"}, nameLen: 1},
		{list: "none", hasNot: []string{"read", "openat"}},
		{list: "all", has: []string{"read", "openat"}},
		{list: "%pure", has: []string{"getpid", "gettid"}, hasNot: []string{"kill"}},
	} {
		s, err := arch.ParseSyscallSet(tab, c.list)
		if err != nil {
			t.Errorf("ParseSyscallSet(%q): %v", c.list, err)
			continue
		}
		for _, n := range c.has {
			sc, _ := tab.ByName(n)
			if sc == nil || !s.Has(sc.Number) {
				t.Errorf("%q lacks %s", c.list, n)
			}
		}
		for _, n := range c.hasNot {
			if sc, _ := tab.ByName(n); sc != nil && s.Has(sc.Number) {
				t.Errorf("%q has %s", c.list, n)
			}
		}
		if c.nameLen > 0 && len(s.Names()) != c.nameLen {
			t.Errorf("%q: names %v", c.list, s.Names())
		}
	}
	// Inverted sets hold numbers the table does not know; others do not.
	inv, _ := arch.ParseSyscallSet(tab, "!read")
	plain, _ := arch.ParseSyscallSet(tab, "read")
	if !inv.Has(99999) || plain.Has(99999) {
		t.Errorf("unknown number: inverted %v, plain %v", inv.Has(99999), plain.Has(99999))
	}
}

func TestParseSyscallSetErrors(t *testing.T) {
	for list, want := range map[string]string{
		"nosuchcall":    `unknown system call "nosuchcall"`,
		"%nosuchgroup":  `unknown system call group "%nosuchgroup"`,
		",":             "no system call named",
		"":              "no system call named",
		"/[":            "bad regular expression",
		"/^nosuchthing": `no system call matches "/^nosuchthing"`,
		"stat64":        `unknown system call "stat64"`,
	} {
		_, err := arch.ParseSyscallSet(amd64.Table, list)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSyscallSet(%q) = %v, want %q", list, err, want)
		}
	}
}

// TestSyscallExprPerABI checks that one expression resolves per ABI: a
// name one ABI lacks is no error when another has it.
func TestSyscallExprPerABI(t *testing.T) {
	e, err := arch.ParseSyscallExpr("open,openat")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Check(amd64.Table, arm64.Table); err != nil {
		t.Fatal(err)
	}
	if err := e.Check(arm64.Table); err == nil {
		t.Error("open is not an arm64 call, yet Check(arm64) passed")
	}
	got := e.Set(arm64.Table).Names()
	if strings.Join(got, ",") != "openat" {
		t.Errorf("arm64 names = %v", got)
	}
	if got := e.Set(amd64.Table).Names(); strings.Join(got, ",") != "open,openat" {
		t.Errorf("amd64 names = %v", got)
	}
}
