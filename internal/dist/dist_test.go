// Package dist tests how ktrace and kdump are shipped: make install and
// make release, run from the module root.
package dist

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// commands are the programs shipped.
var commands = []string{"kdump", "ktrace"}

// arches are the architectures make release builds for.
var arches = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// makeIn runs make with args at the module root, skipping t where there
// is no make or go (make test-arm64's guest has neither).
func makeIn(t *testing.T, args ...string) *testutil.Result {
	t.Helper()
	for _, tool := range []string{"make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command("make", append([]string{"-s", "-C", root}, args...)...)
	res := testutil.Run(t, 10*time.Minute, cmd)
	if res.Err != nil {
		t.Fatalf("make %s: %s", strings.Join(args, " "), res)
	}
	return res
}

// TestInstall installs into a staging directory, checks every file lands
// where a distribution expects it, runs the installed binaries, then
// uninstalls.
func TestInstall(t *testing.T) {
	tmp := t.TempDir()
	dest := filepath.Join(tmp, "root")
	vars := []string{"BIN=" + filepath.Join(tmp, "bin"), "DESTDIR=" + dest, "PREFIX=/opt/kt"}
	makeIn(t, append([]string{"install"}, vars...)...)

	want := map[string]fs.FileMode{}
	for _, c := range commands {
		want["opt/kt/bin/"+c] = 0o755
		want["opt/kt/share/man/man1/"+c+".1"] = 0o644
		want["opt/kt/share/bash-completion/completions/"+c] = 0o644
		want["opt/kt/share/zsh/site-functions/_"+c] = 0o644
		want["opt/kt/share/fish/vendor_completions.d/"+c+".fish"] = 0o644
	}
	got := map[string]fs.FileMode{}
	err := filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dest, path)
		got[rel] = fi.Mode()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f, mode := range want {
		switch m, ok := got[f]; {
		case !ok:
			t.Errorf("make install did not install %s", f)
		case m != mode:
			t.Errorf("%s: mode %v, want %v", f, m, mode)
		}
	}
	for f := range got {
		if _, ok := want[f]; !ok {
			t.Errorf("make install installed %s, which nobody expects", f)
		}
	}
	for _, c := range commands {
		bin := filepath.Join(dest, "opt/kt/bin", c)
		testutil.CheckVersion(t, bin, c)
		comp, err := os.ReadFile(filepath.Join(dest, "opt/kt/share/bash-completion/completions", c))
		if err != nil || !bytes.Contains(comp, []byte("__start_"+c)) {
			t.Errorf("installed bash completion of %s: %v\n%s", c, err, testutil.Clip(comp, 500))
		}
	}

	makeIn(t, append([]string{"uninstall"}, vars...)...)
	filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("make uninstall left %s", path)
		}
		return nil
	})
}

// TestRelease builds the release binaries and checks they are what
// make release promises: one per command and architecture, static, for
// the right machine, stripped, without local paths, with the version
// given, listed in SHA256SUMS, and the same bytes when built again.
//
// It builds both architectures twice (minutes on a small machine), so it
// runs in make test-release, which sets KTRACE_TEST_RELEASE=1, not in make
// test.
func TestRelease(t *testing.T) {
	if os.Getenv("KTRACE_TEST_RELEASE") == "" {
		t.Skip("the release check builds both arches twice: make test-release runs it")
	}
	dist := t.TempDir()
	const version = "v9.9.9-releasetest"
	makeIn(t, "release", "DIST="+dist, "VERSION="+version)
	root, _ := testutil.ModuleRoot()

	sums := readSums(t, filepath.Join(dist, "SHA256SUMS"))
	var names []string
	for arch, machine := range arches {
		for _, c := range commands {
			name := c + "-linux-" + arch
			names = append(names, name)
			path := filepath.Join(dist, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("make release made no %s: %v", name, err)
				continue
			}
			checkStatic(t, path, machine)
			if bytes.Contains(data, []byte(root)) {
				t.Errorf("%s holds the build directory %s: not built with -trimpath", name, root)
			}
			sum := sha256.Sum256(data)
			if got := sums[name]; got != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256SUMS has %q for %s, want %x", got, name, sum)
			}
			if arch == runtime.GOARCH {
				if v := testutil.CheckVersion(t, path, c); v != version {
					t.Errorf("%s --version: version %q, want %q", name, v, version)
				}
			}
		}
	}
	sort.Strings(names)
	var listed []string
	for n := range sums {
		listed = append(listed, n)
	}
	sort.Strings(listed)
	if strings.Join(listed, " ") != strings.Join(names, " ") {
		t.Errorf("SHA256SUMS lists %q, want %q", listed, names)
	}

	// Reproducible: the same sources and version build the same bytes.
	again := t.TempDir()
	makeIn(t, "release", "DIST="+again, "VERSION="+version, "RELEASE_ARCHES="+runtime.GOARCH)
	for n, sum := range readSums(t, filepath.Join(again, "SHA256SUMS")) {
		if sums[n] != sum {
			t.Errorf("%s differs when built again: %s, then %s", n, sums[n], sum)
		}
	}
}

// checkStatic fails t unless the ELF file at path is for machine and
// statically linked (no interpreter, no dynamic section), without symbols.
func checkStatic(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	defer f.Close()
	name := filepath.Base(path)
	if f.Machine != machine {
		t.Errorf("%s: machine %v, want %v", name, f.Machine, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s: has a %v program header: not static", name, p.Type)
		}
	}
	for _, s := range []string{".interp", ".dynamic", ".symtab"} {
		if f.Section(s) != nil {
			t.Errorf("%s: has a %s section", name, s)
		}
	}
}

// readSums reads a sha256sum file: file name to hex digest.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		sums[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}
