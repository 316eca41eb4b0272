package dump

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// amd64 numbers of sendmsg and recvmsg.
const nrSendmsg, nrRecvmsg = 46, 47

// msgCall writes a successful sendmsg or recvmsg of pid on fd passing
// fds with SCM_RIGHTS: CALL, its msghdr STRU (amd64 layout) and RET.
func (f *fdTrace) msgCall(pid int32, nr uint32, fd uint64, fds ...int32) {
	f.msgCallRet(pid, nr, 1, fd, fds...)
}

// msgCallRet is msgCall returning v.
func (f *fdTrace) msgCallRet(pid int32, nr uint32, v int64, fd uint64, fds ...int32) {
	f.check(f.w.WriteCall(f.h(pid, pid), nr, []uint64{fd, 0x1000, 0}))
	ctl := make([]byte, 16+(4*len(fds)+7)/8*8)
	le.PutUint64(ctl, uint64(16+4*len(fds)))
	le.PutUint32(ctl[8:], 1)  // SOL_SOCKET
	le.PutUint32(ctl[12:], 1) // SCM_RIGHTS
	for i, d := range fds {
		le.PutUint32(ctl[16+4*i:], uint32(d))
	}
	rec := make([]byte, arch.MsghdrPrefix+56)
	le.PutUint32(rec[8:], uint32(len(ctl)))
	le.PutUint64(rec[arch.MsghdrPrefix+32:], 0x2000) // msg_control
	le.PutUint64(rec[arch.MsghdrPrefix+40:], uint64(len(ctl)))
	f.check(f.w.WriteLabeled(f.h(pid, pid), format.TypeStruct, "msghdr", append(rec, ctl...)))
	f.check(f.w.WriteRet(f.h(pid, pid), format.RetFromValue(nr, v)))
}

// TestFDNamesSCMRights: a descriptor received with SCM_RIGHTS is named
// after the one a sendmsg in the trace passed, in order of the calls;
// one whose sender is not in the trace is "received"; a failed sendmsg
// passes nothing.
func TestFDNamesSCMRights(t *testing.T) {
	f := newFDTrace(t)
	f.call(10, nrOpen, "/etc/passed", 3, 0x1000, 0)
	f.call(10, nrOpen, "/etc/other", 4, 0x1000, 0)
	f.msgCall(10, nrSendmsg, 5, 3)
	f.msgCall(10, nrSendmsg, 5, 4)
	f.msgCall(11, nrRecvmsg, 6, 7) // another process: the first batch
	f.call(11, nrRead, "", 1, 7, 0x1000, 1)
	f.msgCall(11, nrRecvmsg, 6, 8)
	f.call(11, nrRead, "", 1, 8, 0x1000, 1)
	f.msgCall(11, nrRecvmsg, 6, 9, 10) // nothing in flight
	f.call(11, nrRead, "", 1, 10, 0x1000, 1)
	// A sendmsg that fails passes nothing.
	f.msgCallRet(10, nrSendmsg, -9, 5, 3)
	f.msgCall(11, nrRecvmsg, 6, 12)
	f.call(11, nrRead, "", 1, 12, 0x1000, 1)
	wantLines(t, f.text(Options{FDNames: true}),
		"CALL  read(7</etc/passed>,0x1000,0x1)",
		"CALL  read(8</etc/other>,0x1000,0x1)",
		"CALL  read(10<received>,0x1000,0x1)",
		"CALL  read(12<received>,0x1000,0x1)")
}
