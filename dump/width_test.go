package dump

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
)

// widthCall is one CALL record and the line kdump must print for it.
type widthCall struct {
	abi  arch.ABI
	name string
	args []uint64
	o    Options
	want string
}

// TestArgWidths writes calls whose registers hold garbage in their upper
// halves and checks that kdump shows each argument as the kernel reads it:
// C ints from the low 32 bits (sign-extended), longs whole.
func TestArgWidths(t *testing.T) {
	const garbage = 0xfacefeed00000000
	for _, c := range []widthCall{
		{arch.ABIAmd64, "fcntl", []uint64{0xffffffff00000000, 0xffffffff00000001, 0}, Options{}, "fcntl(0,F_GETFD)"},
		// fcntl's argument is a long, read whole, but F_SETFD's an int
		// (do_fcntl's argi), as depends.txt says; F_GETFD reads none.
		{arch.ABIAmd64, "fcntl", []uint64{3, 0x405, garbage | 1}, Options{}, "fcntl(3,F_CANCELLK,0xfacefeed00000001)"},
		{arch.ABIAmd64, "fcntl", []uint64{3, 2, garbage | 1}, Options{}, "fcntl(3,F_SETFD,0x1<FD_CLOEXEC>)"},
		{arch.ABIAmd64, "madvise", []uint64{0, 0, garbage | 1}, Options{}, "madvise(0,0,MADV_RANDOM)"},
		{arch.ABIAmd64, "pipe2", []uint64{0x7ffc0000, 0xffffffff00000800}, Options{}, "pipe2(0x7ffc0000,0x800<O_NONBLOCK>)"},
		{arch.ABIAmd64, "openat", []uint64{0xffffff9c, 0x1000, garbage | 0x40, garbage | 0o644}, Options{},
			"openat(AT_FDCWD,0x1000,0x40<O_RDONLY|O_CREAT>,0644)"},
		{arch.ABIAmd64, "kill", []uint64{0xffffffff, garbage | 9}, Options{Decimal: true}, "kill(-1,SIGKILL)"},
		{arch.ABIAmd64, "kill", []uint64{garbage | 0xffffffff, 9}, Options{}, "kill(-1,SIGKILL)"},
		{arch.ABIAmd64, "clone", []uint64{1<<32 | 0x100, 0, 0, 0, 0}, Options{}, "clone(0x100000100<CLONE_VM|0x100000000>,0,0,0,0)"},
		{arch.ABIAmd64, "fcntl", []uint64{0xffffffff00000000, 0xffffffff00000001, 0}, Options{Raw: true},
			"fcntl(0xffffffff00000000,0xffffffff00000001,0)"},
		{arch.ABIArm64, "fcntl", []uint64{0xffffffff00000000, 0xffffffff00000001, 0}, Options{}, "fcntl(0,F_GETFD)"},
		{arch.ABIArm64, "madvise", []uint64{0, 0, garbage | 1}, Options{}, "madvise(0,0,MADV_RANDOM)"},
		{arch.ABIArm64, "pipe2", []uint64{0x7ffc0000, 0xffffffff00000800}, Options{}, "pipe2(0x7ffc0000,0x800<O_NONBLOCK>)"},
		{arch.ABIArm64, "fchmodat", []uint64{garbage | 0xffffff9c, 0x1000, garbage | 0o755}, Options{},
			"fchmodat(AT_FDCWD,0x1000,0755)"},
		{arch.ABIArm64, "mmap", []uint64{0, 4096, 1<<32 | 1, 0x22, garbage | 0xffffffff, 0}, Options{Decimal: true},
			"mmap(0,4096,0x100000001<PROT_READ|0x100000000>,0x22<MAP_PRIVATE|MAP_ANONYMOUS>,-1,0)"},
		{arch.ABII386, "fcntl64", []uint64{0xffffffff, 1031, 0xffffffff}, Options{Decimal: true}, "fcntl64(-1,F_SETPIPE_SZ,4294967295)"},
		{arch.ABII386, "madvise", []uint64{0, 0, 1}, Options{}, "madvise(0,0,MADV_RANDOM)"},
		{arch.ABII386, "pipe2", []uint64{0xffd00000, 0x800}, Options{}, "pipe2(0xffd00000,0x800<O_NONBLOCK>)"},
	} {
		if got := renderCall(t, c); !strings.Contains(got, "CALL  "+c.want+"\n") {
			t.Errorf("%v %s%#x %+v: got\n%s\nwant CALL  %s", c.abi, c.name, c.args, c.o, got, c.want)
		}
	}
}

// renderCall writes c as a trace with format.Writer and renders it.
func renderCall(t *testing.T, c widthCall) string {
	t.Helper()
	sc, ok := tables.For(c.abi).ByName(c.name)
	if !ok {
		t.Fatalf("%v: no %s", c.abi, c.name)
	}
	var b bytes.Buffer
	w := format.NewWriter(&b)
	h := &format.Header{PID: 1, TID: 1, ABI: c.abi}
	h.SetComm("width")
	m := arch.MachineAmd64
	if c.abi == arch.ABIArm64 {
		m = arch.MachineArm64
	}
	w.WriteStart(h, &format.Start{Version: format.Version, Machine: m})
	w.WriteCall(h, sc.Number, c.args)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return render(t, b.Bytes(), ModeText, c.o)
}
