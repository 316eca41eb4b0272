package dump

import (
	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Descriptors passed with SCM_RIGHTS (-y). A successful sendmsg whose
// "msghdr" STRU record holds SCM_RIGHTS descriptors queues their names
// as the sender's table had them at the call; a successful recvmsg that
// receives descriptors takes the oldest queued batch of as many and
// gives the new descriptors those names: a received descriptor refers
// to what the sender's did. Which socket carried them is not in the
// trace, so with several transfers of the same count in flight at once
// the names follow the order of the calls. Descriptors whose sender is
// not in the trace (or whose name it did not know) are named
// "received".

// maxInflight bounds the batches sent and not yet received.
const maxInflight = 64

// receivedName names a descriptor received from a sender not traced.
const receivedName = "received"

// fdMsg is what a sendmsg or recvmsg call passes with SCM_RIGHTS.
type fdMsg struct {
	recv bool
	fds  []int32
	// names of the descriptors sent, as at the CALL
	names []string
	// cloexec: MSG_CMSG_CLOEXEC, received descriptors are close-on-exec
	cloexec bool
}

// structMsg notes the SCM_RIGHTS descriptors of a "msghdr" STRU record
// of the call of th.
func (t *fdTracker) structMsg(rec *format.Record, th *fdThread) {
	s, err := rec.Struct()
	if err != nil || string(s.Label) != "msghdr" {
		return
	}
	sc := t.tabs.lookup(th.abi, th.call.Number)
	tab := t.tabs.get(th.abi)
	if sc == nil || tab == nil {
		return
	}
	msgArg := -1
	for i, a := range sc.Args {
		if a.Kind == arch.ArgMsgIn || a.Kind == arch.ArgMsgOut {
			msgArg = i
		}
	}
	if msgArg < 0 {
		return
	}
	fds := scmRights(tab, s.Data)
	if len(fds) == 0 {
		return
	}
	m := &fdMsg{recv: sc.Args[msgArg].Kind == arch.ArgMsgOut, fds: fds}
	if m.recv {
		if v, ok := tab.Const("MSG_CMSG_CLOEXEC"); ok && msgArg+1 < th.call.NArg && th.call.Args[msgArg+1]&v != 0 {
			m.cloexec = true
		}
	} else {
		p := t.proc(th.pid)
		m.names = make([]string, len(fds))
		for i, fd := range fds {
			m.names[i] = p.files[fd].name
		}
	}
	th.msg = m
}

// leaveMsg applies the successful sendmsg or recvmsg of th.
func (t *fdTracker) leaveMsg(p *fdProc, _ *arch.Table, th *fdThread) {
	m := th.msg
	if !m.recv {
		if len(t.inflight) >= maxInflight {
			t.inflight = t.inflight[1:]
		}
		t.inflight = append(t.inflight, m.names)
		return
	}
	var names []string
	for i, batch := range t.inflight {
		if len(batch) == len(m.fds) {
			names = batch
			t.inflight = append(t.inflight[:i], t.inflight[i+1:]...)
			break
		}
	}
	for i, fd := range m.fds {
		name := receivedName
		if names != nil && names[i] != "" {
			name = names[i]
		}
		p.files[fd] = fdFile{name, m.cloexec}
	}
}

// scmRights returns the descriptors of the SCM_RIGHTS control messages
// of a "msghdr" record of tab's ABI.
func scmRights(tab *arch.Table, data []byte) []int32 {
	ml, il, cl := tab.Struct("msghdr"), tab.Struct("iovec"), tab.Struct("cmsghdr")
	if ml == nil || il == nil || cl == nil {
		return nil
	}
	_, _, _, control, ok := arch.ParseMsghdr(data, ml.Size, il.Size)
	if !ok {
		return nil
	}
	sol, _ := tab.Const("SOL_SOCKET")
	rights, _ := tab.Const("SCM_RIGHTS")
	ln, level, typ := fieldOf(cl, "Len"), fieldOf(cl, "Level"), fieldOf(cl, "Type")
	var fds []int32
	for off := 0; off+cl.Size <= len(control); {
		p := control[off:]
		n := ln.get(p)
		if n < uint64(cl.Size) {
			break
		}
		end := off + int(min(n, uint64(len(control)-off)))
		if level.get(p) == sol && typ.get(p) == rights {
			for i := off + cl.Size; i+4 <= end; i += 4 {
				fds = append(fds, int32(le.Uint32(control[i:])))
			}
		}
		off += int(min(cmsgAlign(n, uint64(ln.size)), uint64(len(control)-off)))
	}
	return fds
}
