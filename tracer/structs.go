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
			n, ok := t.readSocklen(th, th.args[a.Len])
			if !ok {
				continue
			}
			size = int(min(n, th.addrRoom, uint64(size)))
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
		if size == 0 {
			continue
		}
		buf := t.dataBuffer(size)
		n, err := t.mem.read(th.tid, th.args[i], buf)
		h := t.header(th, th.abi)
		h.Flags = flags
		if err != nil || n < size {
			h.Flags |= format.FlagUnreadable
			n = max(n, 0)
		}
		t.rec.labeled(h, format.TypeStruct, st.Name, buf[:n])
	}
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
