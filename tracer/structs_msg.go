package tracer

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// msgLayout holds the offsets of struct msghdr's members on one ABI,
// from the generated layouts (x/sys Msghdr and Iovec).
type msgLayout struct {
	size, iovSize                       int
	name, namelen, iov, iovlen, control arch.StructField
	controllen                          arch.StructField
}

// msgLayoutOf returns the struct msghdr layout of tab's ABI.
func msgLayoutOf(tab *arch.Table) (msgLayout, bool) {
	if tab == nil {
		return msgLayout{}, false
	}
	m, iov := tab.Struct("msghdr"), tab.Struct("iovec")
	if m == nil || iov == nil {
		return msgLayout{}, false
	}
	return msgLayout{size: m.Size, iovSize: iov.Size,
		name: m.Field("Name"), namelen: m.Field("Namelen"), iov: m.Field("Iov"),
		iovlen: m.Field("Iovlen"), control: m.Field("Control"), controllen: m.Field("Controllen")}, true
}

// word reads the little-endian member f of p.
func word(p []byte, f arch.StructField) uint64 {
	switch f.Size {
	case 4:
		return uint64(binary.LittleEndian.Uint32(p[f.Off:]))
	case 8:
		return binary.LittleEndian.Uint64(p[f.Off:])
	}
	return 0
}

// msghdr records the struct msghdr argument i of th points to as a
// "msghdr" STRU record (see arch.MsghdrPrefix): sendmsg's after the
// CALL, recvmsg's before the RET, with the iovec array, the address and
// the control messages it points to, each bounded (FlagCut beyond). At
// recvmsg's CALL it keeps the room the caller gave the address: the
// kernel reports the address's whole length but writes no more.
func (t *Tracer) msghdr(th *thread, i int, st *arch.StructArg, dir arch.StructDir) {
	l, ok := msgLayoutOf(t.table(th.abi))
	if !ok {
		return
	}
	addr := th.args[i]
	if dir == arch.StructIn && st.Dir == arch.StructOut {
		th.addrRoom = 0
		b := t.scratch[:l.namelen.Size]
		if n, err := t.mem.read(th.tid, addr+uint64(l.namelen.Off), b); err == nil && n == len(b) {
			th.addrRoom = word(b, arch.StructField{Size: l.namelen.Size})
		}
		return
	}
	if st.Dir&dir == 0 {
		return
	}
	hdr := t.scratch[:l.size]
	n, err := t.mem.read(th.tid, addr, hdr)
	h := t.header(th, th.abi)
	if err != nil || n < l.size {
		h.Flags = format.FlagUnreadable
		t.rec.labeled(h, format.TypeStruct, st.Name, nil)
		return
	}
	var p arch.MsghdrParts
	p.Hdr = l.size
	var flags format.Flags
	bound := func(v, most uint64) int {
		if v > most {
			flags = format.FlagCut
			return int(most)
		}
		return int(v)
	}
	iovPtr, namePtr, ctlPtr := word(hdr, l.iov), word(hdr, l.name), word(hdr, l.control)
	if iovPtr != 0 {
		p.Iovs = bound(word(hdr, l.iovlen), arch.MaxMsgIov)
	}
	if namePtr != 0 {
		namelen := word(hdr, l.namelen)
		if st.Dir == arch.StructOut {
			namelen = min(namelen, th.addrRoom)
		}
		p.Name = bound(namelen, arch.MaxMsgName)
	}
	if ctlPtr != 0 {
		p.Control = bound(word(hdr, l.controllen), arch.MaxMsgControl)
	}
	iovBytes := p.Iovs * l.iovSize
	body := arch.MsghdrPrefix + l.size
	buf := t.dataBuffer(body + iovBytes + p.Name + p.Control)
	copy(buf[arch.MsghdrPrefix:], hdr)
	ranges := [3]unix.RemoteIovec{
		{Base: uintptr(iovPtr), Len: iovBytes},
		{Base: uintptr(namePtr), Len: p.Name},
		{Base: uintptr(ctlPtr), Len: p.Control},
	}
	remote := ranges[:0]
	for _, r := range ranges {
		if r.Len > 0 {
			remote = append(remote, r)
		}
	}
	if len(remote) > 0 {
		if n, err := t.mem.gather(th.tid, remote, buf[body:]); err != nil || n < len(buf)-body {
			// Some part is unreadable: read each, keeping those that are whole.
			flags |= format.FlagUnreadable
			off := body
			for j, size := range [3]*int{&iovBytes, &p.Name, &p.Control} {
				if *size == 0 {
					continue
				}
				if n, err := t.mem.read(th.tid, uint64(ranges[j].Base), buf[off:off+*size]); err != nil || n < *size {
					*size = 0
					continue
				}
				off += *size
			}
			p.Iovs = iovBytes / l.iovSize
			buf = buf[:off]
		}
	}
	arch.PutMsghdrPrefix(buf, p)
	h.Flags = flags
	t.rec.labeled(h, format.TypeStruct, st.Name, buf)
}
