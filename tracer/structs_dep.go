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
			var ok bool
			if size, ok = t.socklenSize(th, th.args[a.Arg.Len], size); !ok {
				continue
			}
		}
		switch {
		case size == 0:
		case a.String && dir == arch.StructIn:
			// A name passed in: up to its NUL, which may end the
			// mapping (PR_SET_NAME).
			h := t.header(th, th.abi)
			s, _, unreadable := t.mem.readString(th.tid, th.args[i], t.dataBuffer(size))
			if unreadable {
				h.Flags |= format.FlagUnreadable
			}
			t.rec.labeled(h, format.TypeStruct, st.Name, s)
		default:
			t.structBytes(th, st.Name, th.args[i], size, 0)
		}
	}
}
