package tracer

import (
	"encoding/binary"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// maxPollfds bounds the struct pollfd entries recorded of one call; a
// longer array is recorded cut.
const maxPollfds = 1024

// structs records th's structure arguments of direction dir as STRU
// records, through the reused data buffer: those the call reads after
// its CALL, those a successful call filled before its RET (ret is its
// return value). A NULL pointer has no record.
func (t *Tracer) structs(th *thread, dir arch.StructDir, ret int64) {
	for i, a := range th.call.Args {
		st := arch.StructArgOf(a.Kind)
		if st == nil || !a.Applies(th.abi, th.args[:], i) {
			continue
		}
		if st.Len == arch.LenMsghdr {
			t.msghdr(th, i, st, dir)
			continue
		}
		if st.Positive && dir == arch.StructOut && ret <= 0 {
			continue // not filled (wait4 WNOHANG's 0)
		}
		if st.Len == arch.LenPointer && dir == arch.StructIn {
			th.addrRoom, _ = t.readSocklen(th, th.args[a.Len]) // 0 when unreadable: nothing recorded
			continue
		}
		if st.Dir&dir == 0 {
			continue
		}
		size := st.SizeOn(th.abi)
		var flags format.Flags
		switch st.Len {
		case arch.LenValue:
			size = int(min(a.Value(th.abi, th.args[a.Len]), uint64(size)))
		case arch.LenPointer:
			var ok bool
			if size, ok = t.socklenSize(th, th.args[a.Len], size); !ok {
				continue
			}
		case arch.LenCount:
			cnt := uint64(uint32(th.args[a.Len])) // nfds_t is an unsigned int
			if cnt > maxPollfds {
				cnt, flags = maxPollfds, format.FlagCut
			}
			size *= int(cnt)
		case arch.LenBits, arch.LenRet:
			size, flags = t.structSize(th, a, st, ret)
		case arch.LenString:
			t.structString(th, st, th.args[i])
			continue
		}
		if size != 0 {
			t.structBytes(th, st.Name, th.args[i], size, flags)
		}
	}
	if th.call.Dep != nil {
		t.depStructs(th, dir) // arguments whose structure another selects
	}
}

// structBytes records the size bytes at addr as a STRU record called
// name, with flags; FlagUnreadable too when fewer could be read.
func (t *Tracer) structBytes(th *thread, name string, addr uint64, size int, flags format.Flags) {
	buf := t.dataBuffer(size)
	n, err := t.mem.read(th.tid, addr, buf)
	h := t.header(th, th.abi)
	h.Flags = flags
	if err != nil || n < size {
		h.Flags |= format.FlagUnreadable
		n = max(n, 0)
	}
	t.rec.labeled(h, format.TypeStruct, name, buf[:n])
}

// socklenSize returns how many bytes of a structure of at most size
// bytes to record when the socklen_t at lenAddr gives its length after
// the call (bounded by the room the caller gave, th.addrRoom); false when
// that length cannot be read.
func (t *Tracer) socklenSize(th *thread, lenAddr uint64, size int) (int, bool) {
	n, ok := t.readSocklen(th, lenAddr)
	if !ok {
		return 0, false
	}
	return int(min(n, th.addrRoom, uint64(size))), true
}

// readSocklen reads the socklen_t (a 32-bit unsigned int) at addr.
func (t *Tracer) readSocklen(th *thread, addr uint64) (uint64, bool) {
	if addr == 0 {
		return 0, false
	}
	b := t.scratch[:4]
	if n, err := t.mem.read(th.tid, addr, b); err != nil || n < 4 {
		return 0, false
	}
	return uint64(binary.LittleEndian.Uint32(b)), true
}
