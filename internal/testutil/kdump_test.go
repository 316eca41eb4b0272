package testutil

import "testing"

const sample = `  4242 cat      EMUL  "linux-amd64"
  4242 cat      CALL  openat(AT_FDCWD,0x7ffc1c2a4f10,0x80000<O_RDONLY|O_CLOEXEC>)
  4242 cat      NAMI  "/etc/hostname"
  4242 cat      RET   openat 3
  4242 cat      GIO   fd 3 read 12 bytes
       "host\n"
       "a\"b\\c\000\t"
  4242 cat      RET   read 12/0xc
  4242 a long n ARGS  [0] = "cat"
                      [1] = "x"
  4242 cat      GIO   fd 1 wrote 100000 bytes (4096 of 100000 captured)
       "abc\
	def"
1234567 sh       RET   exit -1 errno 2 No such file or directory
`

func TestParseKdump(t *testing.T) {
	lines, err := ParseKdump([]byte(sample), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 9 {
		t.Fatalf("%d records, want 9:\n%s", len(lines), Dump(lines))
	}
	want := []struct {
		pid        int
		comm, typ  string
		body       string
		more       int
		dataOrNote string
	}{
		{4242, "cat", "EMUL", `"linux-amd64"`, 0, ""},
		{4242, "cat", "CALL", "openat(AT_FDCWD,0x7ffc1c2a4f10,0x80000<O_RDONLY|O_CLOEXEC>)", 0, ""},
		{4242, "cat", "NAMI", `"/etc/hostname"`, 0, ""},
		{4242, "cat", "RET", "openat 3", 0, ""},
		{4242, "cat", "GIO", "fd 3 read 12 bytes", 2, "host\na\"b\\c\x00\t"},
		{4242, "cat", "RET", "read 12/0xc", 0, ""},
		{4242, "a long n", "ARGS", `[0] = "cat"`, 1, ""},
		{4242, "cat", "GIO", "fd 1 wrote 100000 bytes (4096 of 100000 captured)", 2, "abcdef"},
		{1234567, "sh", "RET", "exit -1 errno 2 No such file or directory", 0, ""},
	}
	for i, w := range want {
		l := &lines[i]
		if l.PID != w.pid || l.Comm != w.comm || l.Type != w.typ || l.Body != w.body || len(l.More) != w.more {
			t.Errorf("record %d: got %d %q %q %q (%d more), want %d %q %q %q (%d more)",
				i, l.PID, l.Comm, l.Type, l.Body, len(l.More), w.pid, w.comm, w.typ, w.body, w.more)
		}
		if w.typ == "GIO" {
			d, notes, err := l.Data()
			if err != nil || string(d) != w.dataOrNote || len(notes) != 0 {
				t.Errorf("record %d: data %q notes %q err %v, want %q", i, d, notes, err, w.dataOrNote)
			}
		}
	}
	if g, ok := lines[4].ParseGenio(); !ok || g.FD != 3 || g.Write || g.Len != 12 {
		t.Errorf("ParseGenio: %+v %v", g, ok)
	}
	if g, ok := lines[7].ParseGenio(); !ok || g.FD != 1 || !g.Write || g.Len != 100000 {
		t.Errorf("ParseGenio: %+v %v", g, ok)
	}
	if n, of, ok := lines[7].Captured(); !ok || n != 4096 || of != 100000 {
		t.Errorf("Captured: %d %d %v", n, of, ok)
	}
	if _, _, ok := lines[4].Captured(); ok {
		t.Error("Captured: a whole record said cut")
	}
}

func TestParseKdumpThreads(t *testing.T) {
	out := "  4242   4243 cat      CALL  getpid()\n  4242   4243 cat      RET   getpid 4242/0x1092\n"
	lines, err := ParseKdump([]byte(out), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].TID != 4243 || lines[1].PID != 4242 || lines[1].Body != "getpid 4242/0x1092" {
		t.Fatalf("got:\n%s", Dump(lines))
	}
}

func TestParseKdumpRejects(t *testing.T) {
	if _, err := ParseKdump([]byte("garbage\n"), false); err == nil {
		t.Error("a first line that is no record was accepted")
	}
	l := Line{More: []string{`       "unterminated`}}
	if _, _, err := l.Data(); err == nil {
		t.Error("unterminated data was accepted")
	}
}

func TestUnvis(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:           "plain",
		`\n\t\r\a\b\v\f`:  "\n\t\r\a\b\v\f",
		`\0x`:             "\x00x",
		`\0001`:           "\x001",
		`\377\x41`:        "\xffA",
		`\M-a\M^A\^B\^?`:  "\xe1\x81\x02\x7f",
		`\\ \" \s`:        "\\ \"  ",
		`caf\303\251 ok.`: "café ok.",
	} {
		got, err := Unvis(in)
		if err != nil || string(got) != want {
			t.Errorf("Unvis(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`\`, `\q`, `\xZZ`} {
		if _, err := Unvis(bad); err == nil {
			t.Errorf("Unvis(%q) accepted", bad)
		}
	}
}

func TestFmtRet(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 9: "9", 10: "10/0xa", 100000: "100000/0x186a0"} {
		if got := FmtRet(v); got != want {
			t.Errorf("FmtRet(%d) = %q, want %q", v, got, want)
		}
	}
	if got := FmtRet(-2); got != "-2/0xfffffffffffffffe" {
		t.Errorf("FmtRet(-2) = %q", got)
	}
}
