package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// kdumpBin is the kdump binary built for the tests.
var kdumpBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kdump-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Readable by all: one test runs kdump as another user.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	kdumpBin = filepath.Join(dir, "kdump")
	if d := os.Getenv("KTRACE_TEST_BIN"); d != "" {
		// Prebuilt (make test-arm64: no Go toolchain in the guest).
		kdumpBin = filepath.Join(d, "kdump")
		return testutil.Main(m)
	}
	gobin := "go"
	if _, err := exec.LookPath(gobin); err != nil {
		gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out, err := exec.Command(gobin, "build", "-o", kdumpBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building kdump: %v\n%s", err, out)
		return 1
	}
	return testutil.Main(m) // builds ktrace and the C programs when asked
}

// result is how a kdump run ended.
type result struct {
	stdout, stderr string
	code           int
}

// kdump runs the binary with args, stdin as its input, and fails the test
// if it panicked or did not end in time.
func kdump(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	return kdumpCmd(t, func(*exec.Cmd) {}, stdin, args...)
}

func kdumpCmd(t *testing.T, setup func(*exec.Cmd), stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kdumpBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	setup(cmd)
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("kdump %q: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("kdump %q did not end", args)
	}
	checkNoPanic(t, r.stderr)
	return r
}

func checkNoPanic(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
		t.Fatalf("kdump panicked:\n%s", stderr)
	}
}

func sample(t *testing.T, m arch.Machine) []byte {
	t.Helper()
	b, err := tracegen.Sample(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.out")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const goldenDir = "../../testdata/kdump"

// TestGolden runs the binary on every golden case: the flags must give
// the output package dump's tests render from Options.
func TestGolden(t *testing.T) {
	t.Setenv("TZ", "UTC") // the zone of --wall and of --since HH:MM:SS
	cases, err := tracegen.ReadCases(filepath.Join(goldenDir, "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	traces := map[string]string{} // by machine and trace
	for _, c := range cases {
		key := c.Machine.String() + "/" + c.Trace
		if traces[key] == "" {
			b, err := c.Build()
			if err != nil {
				t.Fatal(err)
			}
			traces[key] = writeFile(t, b)
		}
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r := kdump(t, nil, append(c.Args, "-f", traces[c.Machine.String()+"/"+c.Trace])...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("kdump %s: exit %d, stderr %q", strings.Join(c.Args, " "), r.code, r.stderr)
			}
			testutil.Golden(t, filepath.Join(goldenDir, c.Name+".golden"), []byte(r.stdout))
		})
	}
}

func TestFlagForms(t *testing.T) {
	path := writeFile(t, sample(t, arch.MachineAmd64))
	forms := [][][]string{
		{{"-dHS"}, {"-d", "-H", "-S"}, {"--decimal", "--threads", "--syscall-numbers"}},
		{{"-tcn"}, {"-t", "cn"}, {"--types=cn"}},
		{{"-m8", "-x"}, {"-xm", "8"}, {"--maxdata", "8", "--hex"}},
		{{"-p4243"}, {"-p", "4243"}},
	}
	for _, group := range forms {
		var first result
		for i, args := range group {
			r := kdump(t, nil, append(args, "-f", path)...)
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("kdump %q: exit %d, %d bytes out, stderr %q", args, r.code, len(r.stdout), r.stderr)
			}
			if i == 0 {
				first = r
			} else if r.stdout != first.stdout {
				t.Errorf("kdump %q and %q differ", group[0], args)
			}
		}
	}
	// -f names the file: the default is ktrace.out in the current directory.
	dir := filepath.Dir(path)
	if err := os.Rename(path, filepath.Join(dir, "ktrace.out")); err != nil {
		t.Fatal(err)
	}
	r := kdumpCmd(t, func(c *exec.Cmd) { c.Dir = dir }, nil)
	if r.code != 0 || !strings.Contains(r.stdout, "openat(AT_FDCWD") {
		t.Errorf("kdump without -f: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	path := writeFile(t, sample(t, arch.MachineAmd64))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-t", "cq"}, `unknown facility letter 'q'`},
		{[]string{"-t", ""}, "empty facility list"},
		{[]string{"-m", "-1"}, "negative"},
		{[]string{"-m", "lots"}, "invalid argument"},
		{[]string{"-p", "x"}, "invalid argument"},
		{[]string{"-k"}, "unknown shorthand flag: 'k'"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--json", "--summary"}, "--json and --summary exclude each other"},
	} {
		r := kdump(t, nil, append(c.args, "-f", path)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || !strings.HasPrefix(r.stderr, "kdump: ") ||
			!strings.Contains(r.stderr, "usage: kdump") || r.stdout != "" {
			t.Errorf("kdump %q: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestStdin(t *testing.T) {
	trace := sample(t, arch.MachineAmd64)
	want, err := os.ReadFile(filepath.Join(goldenDir, "default.golden"))
	if err != nil {
		t.Fatal(err)
	}
	r := kdump(t, bytes.NewReader(trace), "-f", "-")
	if r.code != 0 || r.stdout != string(want) || r.stderr != "" {
		t.Errorf("kdump -f -: exit %d, stderr %q, output:\n%s", r.code, r.stderr, testutil.FirstDiff(string(want), r.stdout))
	}
	// Damage read from stdin names stdin.
	bad := bytes.Clone(trace)
	bad[len(bad)/2] ^= 0xff
	r = kdump(t, bytes.NewReader(bad), "-f", "-")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "kdump: stdin: offset ") {
		t.Errorf("damaged stdin: exit %d, stderr %q", r.code, r.stderr)
	}
}

// span is one record's place in a trace.
type span struct{ off, end int }

func spans(t *testing.T, trace []byte) []span {
	t.Helper()
	var s []span
	rd := format.NewReader(bytes.NewReader(trace))
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return s
		}
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, span{int(rec.Offset), int(rec.Offset) + format.HeaderLen + len(rec.Payload)})
	}
}

// without returns trace without the records that overlap any of the
// byte ranges [lo, hi) given as pairs.
func without(trace []byte, recs []span, ranges ...int) []byte {
	var out []byte
next:
	for _, r := range recs {
		for i := 0; i+1 < len(ranges); i += 2 {
			if r.end > ranges[i] && r.off < ranges[i+1] {
				continue next
			}
		}
		out = append(out, trace[r.off:r.end]...)
	}
	return out
}

// unknownOffset matches the offset UNKNOWN records print, which moves
// when records before them are taken out.
var unknownOffset = regexp.MustCompile(`(UNKNOWN\(\d+\)  record of \d+ bytes at offset )\d+`)

// TestDamage damages a trace in many ways: kdump must report each
// damaged stretch with the file and offset, decode every good record
// around it exactly as in an undamaged file, and exit 1.
func TestDamage(t *testing.T) {
	trace := sample(t, arch.MachineAmd64)
	recs := spans(t, trace)
	mid := recs[len(recs)/2]
	rng := rand.New(rand.NewPCG(7, 11))
	garbage := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		// Include what looks like the start of records.
		copy(b[n/3:], "kt\x01\x00\x40\x00\x00\x00")
		return b
	}
	flip := func(positions ...int) []byte {
		b := bytes.Clone(trace)
		for _, p := range positions {
			b[p] ^= 0x5a
		}
		return b
	}
	last := recs[len(recs)-1]
	type damage struct {
		off    int
		reason string
	}
	cases := []struct {
		name   string
		data   []byte
		good   []byte // the good records left, to decode as kdump would
		damage []damage
	}{
		{"truncated last record", trace[:len(trace)-10], trace[:last.off],
			[]damage{{last.off, "truncated record"}}},
		{"torn header", append(bytes.Clone(trace), trace[mid.off:mid.off+20]...), trace,
			[]damage{{len(trace), "truncated record: 20 of 48 header bytes"}}},
		{"byte flipped in the middle", flip(mid.end - 1), without(trace, recs, mid.off, mid.end),
			[]damage{{mid.off, "checksum mismatch"}}},
		{"bytes flipped in three records", flip(recs[3].off+30, mid.off+30, recs[len(recs)-3].off+30),
			without(trace, recs, recs[3].off, recs[3].off+1, mid.off, mid.off+1,
				recs[len(recs)-3].off, recs[len(recs)-3].off+1),
			// Byte 30 is in the header (the command name): the header
			// check finds it.
			[]damage{{recs[3].off, "bad record header"}, {mid.off, "bad record header"},
				{recs[len(recs)-3].off, "bad record header"}}},
		{"garbage appended", append(bytes.Clone(trace), garbage(100)...), trace,
			[]damage{{len(trace), ""}}},
		{"garbage inserted", append(append(bytes.Clone(trace[:mid.off]), garbage(200)...), trace[mid.off:]...), trace,
			[]damage{{mid.off, ""}}},
		{"zeroed block", func() []byte {
			b := bytes.Clone(trace)
			clear(b[mid.off+10 : mid.off+400])
			return b
		}(), without(trace, recs, mid.off+10, mid.off+400), []damage{{mid.off, ""}}},
		{"bad length", func() []byte {
			b := bytes.Clone(trace)
			b[mid.off+4], b[mid.off+5], b[mid.off+6], b[mid.off+7] = 0xff, 0xff, 0xff, 0x7f
			return b
		}(), without(trace, recs, mid.off, mid.end), []damage{{mid.off, "bad record length"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, c.data)
			want := kdump(t, nil, "-f", writeFile(t, c.good))
			if want.code != 0 {
				t.Fatalf("the good records do not decode: %q", want.stderr)
			}
			r := kdump(t, nil, "-f", path)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != len(c.damage) {
				t.Errorf("stderr has %d lines, want %d:\n%s", len(lines), len(c.damage), r.stderr)
			}
			for i, d := range c.damage {
				prefix := fmt.Sprintf("kdump: %s: offset %d: %s", path, d.off, d.reason)
				if i >= len(lines) || !strings.HasPrefix(lines[i], prefix) || !strings.Contains(lines[i], "bytes skipped)") {
					t.Errorf("damage report %d: want %q...; stderr:\n%s", i, prefix, r.stderr)
				}
			}
			if unknownOffset.ReplaceAllString(r.stdout, "${1}N") != unknownOffset.ReplaceAllString(want.stdout, "${1}N") {
				t.Errorf("good records not decoded as in a clean file:\n%s", testutil.FirstDiff(want.stdout, r.stdout))
			}
			// JSON and summary go on the same way.
			for _, mode := range []string{"--json", "--summary"} {
				if r := kdump(t, nil, mode, "-f", path); r.code != 1 || len(strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")) != len(c.damage) {
					t.Errorf("%s: exit %d, stderr %q", mode, r.code, r.stderr)
				}
			}
		})
	}
}

// TestBadFiles checks files kdump cannot decode at all: one clear line
// naming the file, exit 1, no output.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	trace := sample(t, arch.MachineAmd64)
	files := map[string][]byte{
		"empty":   nil,
		"text":    []byte(strings.Repeat("this is not a trace\n", 10)),
		"short":   []byte("kt"),
		"elf":     append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...),
		"no-head": trace[spans(t, trace)[1].off:], // good records, but no START first
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		file string
		want string
	}{
		{"empty", "not a ktrace file (empty)"},
		{"text", "not a ktrace file"},
		{"short", "not a ktrace file (2 bytes, too short)"},
		{"elf", "not a ktrace file"},
		{"no-head", "not a ktrace file"},
		{"missing", "no such file or directory"},
		{".", "is a directory"},
	} {
		path := filepath.Join(dir, c.file)
		r := kdump(t, nil, "-f", path)
		want := fmt.Sprintf("kdump: %s: %s\n", filepath.Clean(path), c.want)
		if r.code != 1 || r.stderr != want || r.stdout != "" {
			t.Errorf("%s: exit %d, stderr %q, %d bytes out; want exit 1 and %q", c.file, r.code, r.stderr, len(r.stdout), want)
		}
	}
}

func TestUnreadable(t *testing.T) {
	dir, err := os.MkdirTemp("", "kdump-unreadable")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.out")
	if err := os.WriteFile(path, sample(t, arch.MachineAmd64), 0o000); err != nil {
		t.Fatal(err)
	}
	setup := func(*exec.Cmd) {}
	if os.Geteuid() == 0 {
		// root reads anything: run kdump as nobody.
		setup = func(c *exec.Cmd) {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
	}
	r := kdumpCmd(t, setup, nil, "-f", path)
	want := fmt.Sprintf("kdump: %s: permission denied\n", path)
	if r.code != 1 || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", r.code, r.stderr, want)
	}
}

// TestFollow starts kdump -l, appends records, including one written in
// two parts, and checks that each is printed as it lands and that
// SIGINT ends kdump cleanly.
func TestFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.out")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := &format.Header{PID: 77, TID: 77, ABI: arch.ABIAmd64}
	h.SetComm("follow")
	w := format.NewWriter(f)
	w.WriteStart(h, &format.Start{Version: format.Version, Machine: arch.MachineAmd64})
	w.WriteBytes(h, format.TypeNamei, []byte("/first"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(kdumpBin, "-l", "-f", path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("kdump ended before printing %q; stderr %q", want, stderr.String())
				}
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("kdump -l did not print %q", want)
			}
		}
	}
	expect(`NAMI  "/first"`)

	w.WriteBytes(h, format.TypeNamei, []byte("/second"))
	w.WriteCall(h, 0, []uint64{3, 0x1000, 10})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	expect(`NAMI  "/second"`)
	expect(`CALL  read(3,0x1000,0xa)`)

	// A record that lands in two writes is not damage.
	var rec bytes.Buffer
	rw := format.NewWriter(&rec)
	rw.WriteBytes(h, format.TypeNamei, []byte("/torn/and/mended"))
	rw.Flush()
	f.Write(rec.Bytes()[:30])
	time.Sleep(testutil.Stretch(300 * time.Millisecond))
	f.Write(rec.Bytes()[30:])
	expect(`NAMI  "/torn/and/mended"`)

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for range lines {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("kdump -l after SIGINT: %v; stderr %q", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kdump -l did not end on SIGINT")
	}
	checkNoPanic(t, stderr.String())
	if stderr.Len() != 0 {
		t.Errorf("stderr: %q", stderr.String())
	}
}

// TestFollowStdin follows a pipe: SIGINT must end kdump even while it
// waits in a read.
func TestFollowStdin(t *testing.T) {
	cmd := exec.Command(kdumpBin, "-l", "-f", "-")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	defer in.Close()
	in.Write(sample(t, arch.MachineAmd64))
	time.Sleep(testutil.Stretch(300 * time.Millisecond))
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("kdump -l -f - after SIGINT: %v; stderr %q", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kdump -l -f - did not end on SIGINT")
	}
	if !strings.Contains(out.String(), `RET   openat -1 errno 2 No such file or directory`) {
		t.Errorf("records not printed:\n%s", out.String())
	}
}
