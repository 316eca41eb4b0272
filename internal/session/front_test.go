package session

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
)

// TestExecMessage: the message that has a waiting front execute a command
// holds, where the front's entry point reads them, the flags, the filter's
// length and instructions, the command's index in argv and its path; one
// the front could not hold is refused.
func TestExecMessage(t *testing.T) {
	filter := []unix.SockFilter{{Code: 0x20, Jt: 1, Jf: 2, K: 4}, {Code: 0x06, K: 0x7fff0000}}
	msg, ok := execMessage(filter, "/bin/true", 3, true)
	if !ok {
		t.Fatal("execMessage refused a short message")
	}
	ne := binary.NativeEndian
	want := []byte{stdfds.FrontExec, stdfds.FrontNoNewPrivs}
	want = ne.AppendUint16(want, 2)
	want = ne.AppendUint32(want, 3)
	want = append(ne.AppendUint16(want, 0x20), 1, 2)
	want = ne.AppendUint32(want, 4)
	want = append(ne.AppendUint16(want, 0x06), 0, 0)
	want = ne.AppendUint32(want, 0x7fff0000)
	want = append(want, "/bin/true\x00"...)
	if !bytes.Equal(msg, want) {
		t.Errorf("message %x, want %x", msg, want)
	}
	if len(want) != stdfds.FrontExecHeader+8*len(filter)+len("/bin/true")+1 {
		t.Errorf("the expected message is %d bytes: FrontExecHeader is off", len(want))
	}
	// No filter: no no_new_privs either, and the front stops itself.
	if msg, ok := execMessage(nil, "/x", 1, true); !ok || msg[1] != stdfds.FrontStopSelf || msg[2] != 0 || msg[3] != 0 {
		t.Errorf("without a filter: %x, %v", msg, ok)
	}
	if _, ok := execMessage(nil, strings.Repeat("x", stdfds.FrontMsgMax), 1, false); ok {
		t.Error("a path longer than the front's buffer was taken")
	}
	if _, ok := execMessage(make([]unix.SockFilter, stdfds.FrontMsgMax/8), "/x", 1, false); ok {
		t.Error("a filter longer than the front's buffer was taken")
	}
	if _, ok := execMessage(nil, "/x\x00y", 1, false); ok {
		t.Error("a path with a NUL was taken")
	}
}

// TestUnpinHelpersProcs: after the helpers are unpinned GOMAXPROCS is the
// runtime's default for the process's CPUs, or what it was if that was
// more (the tracer's least).
func TestUnpinHelpersProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(before)
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	for _, set := range []int{1, def, def + 5} {
		runtime.GOMAXPROCS(set)
		unpinHelpers()
		if got, want := runtime.GOMAXPROCS(0), max(set, def); got != want {
			t.Errorf("GOMAXPROCS %d, then unpinHelpers: %d, want %d", set, got, want)
		}
	}
}
