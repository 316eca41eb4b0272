package tracer

import (
	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// depStructs records the structures th's dependent arguments point to
// (arch.Dependent: a structure chosen by another argument's value, such
// as ioctl's request or fcntl's command), of direction dir, as structs
// does those of fixed kinds. The case is found by value in the table the
// call's arch.Syscall holds, without allocating.
func (t *Tracer) depStructs(th *thread, dir arch.StructDir) {
	m := th.call.Dep.Find(&th.args)
	if !m.Found() {
		return
	}
	for i := range th.args {
		a := m.Arg(i)
		if a == nil || a.Struct == nil || th.args[i] == 0 {
			continue
		}
		st := a.Struct
		if st.Len == arch.LenPointer && dir == arch.StructIn {
			th.addrRoom, _ = t.readSocklen(th, th.args[a.Arg.Len]) // 0 when unreadable: nothing recorded
			continue
		}
		if st.Dir&dir == 0 {
			continue
		}
		size := st.SizeOn(th.abi)
		switch st.Len {
		case arch.LenValue:
			size = int(min(uint64(uint32(th.args[a.Arg.Len])), uint64(size))) // a socklen_t
		case arch.LenPointer:
			n, ok := t.readSocklen(th, th.args[a.Arg.Len])
			if !ok {
				continue
			}
			size = int(min(n, th.addrRoom, uint64(size)))
		}
		if size == 0 {
			continue
		}
		h := t.header(th, th.abi)
		buf := t.dataBuffer(size)
		var data []byte
		if a.String && dir == arch.StructIn {
			// A name passed in: up to its NUL, which may end the
			// mapping (PR_SET_NAME).
			s, _, unreadable := t.mem.readString(th.tid, th.args[i], buf)
			if unreadable {
				h.Flags |= format.FlagUnreadable
			}
			data = s
		} else {
			n, err := t.mem.read(th.tid, th.args[i], buf)
			if err != nil || n < size {
				h.Flags |= format.FlagUnreadable
				n = max(n, 0)
			}
			data = buf[:n]
		}
		t.rec.labeled(h, format.TypeStruct, st.Name, data)
	}
}
