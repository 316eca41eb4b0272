package tracer

import (
	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// maxStructData bounds the bytes of a STRU record of output data
// (getdents entries, readlink targets) when the genio size keeps all.
const maxStructData = 1 << 20

// structSize returns the bytes to record of a structure argument a whose
// size comes from a bit count (LenBits: select's fd_sets) or from the
// return value ret (LenRet: epoll_wait's events, getdents' entries,
// readlink's target), and FlagCut when the record holds less than the
// call passed or filled.
func (t *Tracer) structSize(th *thread, a arch.Arg, st *arch.StructArg, ret int64) (int, format.Flags) {
	switch st.Len {
	case arch.LenBits:
		if a.Len < 0 {
			return 0, 0
		}
		nfds := int64(th.call.Args[a.Len].Value(th.abi, th.args[a.Len]))
		n := arch.FdsetBytes(th.abi, nfds)
		if most := st.SizeOn(th.abi); n > most {
			return most, format.FlagCut
		}
		return n, 0
	case arch.LenRet:
		if ret <= 0 {
			return 0, 0
		}
		elem := uint64(st.SizeOn(th.abi))
		n := uint64(ret)
		most := uint64(st.Max)
		if most == 0 { // data: as much as the genio size keeps
			most = min(keep(th, n), maxStructData) / elem
		}
		if n > most {
			return int(most * elem), format.FlagCut
		}
		return int(n * elem), 0
	}
	return 0, 0
}

// structString records the NUL-terminated string at addr (an argument
// that is not a path) as a STRU record, without its NUL.
func (t *Tracer) structString(th *thread, st *arch.StructArg, addr uint64) {
	buf := t.pathBuf[:min(st.SizeOn(th.abi), len(t.pathBuf))]
	s, cut, unreadable := t.mem.readString(th.tid, addr, buf)
	h := t.header(th, th.abi)
	if cut {
		h.Flags |= format.FlagCut
	}
	if unreadable {
		h.Flags |= format.FlagUnreadable
	}
	t.rec.labeled(h, format.TypeStruct, st.Name, s)
}
