package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The STRU names of issue 12's msghdr and siginfo area:
//
//	msghdr       struct msghdr of sendmsg and recvmsg with its iovecs,
//	             address and control messages (arch.MsghdrPrefix)
//	siginfo      siginfo_t of rt_sigtimedwait, waitid, rt_sigqueueinfo
//	wait_status  the int status wait4 and waitpid fill

// msgIOData is the data a call's GIO record holds for the iovecs of its
// msghdr (kdump --calls), split over them in order.
type msgIOData struct {
	data  []byte
	total uint64 // bytes the call transferred
	limit int    // most bytes shown of one iovec
}

func decodeMsghdr(w *structOut, abi arch.ABI, data []byte) bool {
	return decodeMsghdrData(w, abi, data, nil)
}

// decodeMsghdrData decodes a "msghdr" record; io, when not nil, gives
// the data of the iovecs, quoted in place of their addresses.
func decodeMsghdrData(w *structOut, abi arch.ABI, data []byte, io *msgIOData) bool {
	tab := tables.For(abi)
	if tab == nil {
		return false
	}
	ml, il, cl := tab.Struct("msghdr"), tab.Struct("iovec"), tab.Struct("cmsghdr")
	if ml == nil || il == nil || cl == nil {
		return false
	}
	hdr, iovs, name, control, ok := arch.ParseMsghdr(data, ml.Size, il.Size)
	if !ok {
		return false
	}
	f := func(n string) (uint64, int) { x := fieldOf(ml, n); return x.get(hdr), x.size }
	namePtr, _ := f("Name")
	w.key("msg_name")
	switch {
	case namePtr == 0:
		w.null()
	case len(name) < 2:
		w.ptr(namePtr)
	default:
		w.nestedStruct(func(n *structOut) bool { return decodeSockaddr(n, abi, name) })
	}
	namelen, size := f("Namelen")
	w.uint("msg_namelen", namelen, size)
	iovPtr, _ := f("Iov")
	iovlen, iovlenSize := f("Iovlen")
	w.key("msg_iov")
	if iovPtr == 0 {
		w.null()
	} else {
		base, ln := fieldOf(il, "Base"), fieldOf(il, "Len")
		w.b = append(w.b, '[')
		var shown uint64
		for i := 0; i < len(iovs)/il.Size; i++ {
			p := iovs[i*il.Size:]
			w.arrEntry(i)
			n := ln.get(p)
			if io != nil {
				w.key("iov_base")
				w.b = io.appendPart(w.b, shown, n)
				shown += n
			} else {
				w.hex("iov_base", base.get(p), base.size)
			}
			w.uint("iov_len", n, ln.size)
			w.endEntry()
		}
		if uint64(len(iovs)/il.Size) < iovlen {
			w.more()
		}
		w.b = append(w.b, ']')
	}
	w.uint("msg_iovlen", iovlen, iovlenSize)
	ctlPtr, _ := f("Control")
	ctllen, ctlSize := f("Controllen")
	w.key("msg_control")
	if ctlPtr == 0 {
		w.null()
	} else {
		w.cmsgs(tab, cl, control, ctllen)
	}
	w.uint("msg_controllen", ctllen, ctlSize)
	flags, _ := f("Flags")
	w.flags("msg_flags", tab, "msg", flags, 4)
	return true
}

// appendPart appends the data of the iovec of n bytes that starts at
// byte off of the transfer: quoted, cut to the limit with "..." after.
func (io *msgIOData) appendPart(b []byte, off, n uint64) []byte {
	if off >= io.total {
		return append(b, `""`...)
	}
	n = min(n, io.total-off)
	var part []byte
	if off < uint64(len(io.data)) {
		part = io.data[off:min(off+n, uint64(len(io.data)))]
	}
	cut := uint64(len(part)) < n
	if io.limit > 0 && len(part) > io.limit {
		part, cut = part[:io.limit], true
	}
	b = appendQuoted(b, part)
	if cut {
		b = append(b, "..."...)
	}
	return b
}

// arrEntry starts entry i of an array of structures in a member.
func (w *structOut) arrEntry(i int) {
	if i > 0 {
		w.b = append(w.b, ',')
		if !w.json {
			w.b = append(w.b, ' ')
		}
	}
	w.b = append(w.b, '{')
	w.nested = true
}

// more says in text that an array was cut: ", ..." after its entries.
func (w *structOut) more() {
	if w.json {
		return
	}
	if w.b[len(w.b)-1] != '[' {
		w.b = append(w.b, ", "...)
	}
	w.b = append(w.b, "..."...)
}

// null appends a NULL pointer's value.
func (w *structOut) null() {
	if w.json {
		w.b = append(w.b, "null"...)
	} else {
		w.b = append(w.b, "NULL"...)
	}
}

// ptr appends a pointer's value, a member already started.
func (w *structOut) ptr(v uint64) {
	if w.json {
		w.b = append(w.b, '"')
		w.b = strconv.AppendUint(w.b, v, 10)
		w.b = append(w.b, '"')
	} else {
		w.b = append0x(w.b, v)
	}
}

// nestedStruct appends a structure in braces as the value of a member
// already started: "{AF_UNIX, "/run/s"}" in text, an object in JSON.
func (w *structOut) nestedStruct(dec func(*structOut) bool) {
	mark := len(w.b)
	n := structOut{b: append(w.b, '{'), json: w.json, o: w.o}
	if !dec(&n) {
		w.b = append(n.b[:mark], '?')
		return
	}
	b := n.b
	if !w.json && len(b) > mark+1 && b[mark+1] == ' ' { // "{ AF_UNIX" as "{AF_UNIX"
		b = append(b[:mark+1], b[mark+2:]...)
	}
	w.b = append(b, '}')
}

// named appends an enumerated member: its name from the set called set
// of tab in text (the number when raw or unnamed), the number and
// name_name in JSON.
func (w *structOut) named(name string, tab *arch.Table, set string, v int64) {
	s := tableSet(tab, set)
	if w.json {
		w.key(name)
		w.b = strconv.AppendInt(w.b, v, 10)
		if s != nil {
			mark := len(w.b)
			w.b = append(w.b, `,"`...)
			w.b = append(w.b, name...)
			w.b = append(w.b, `_name":"`...)
			if !w.setName(s, uint64(v)) {
				w.b = w.b[:mark]
				return
			}
			w.b = append(w.b, '"')
		}
		return
	}
	w.key(name)
	if !w.o.Raw && w.setName(s, uint64(v)) {
		return
	}
	w.b = strconv.AppendInt(w.b, v, 10)
}

// setName appends the name set s (nil: none) gives v, and reports whether
// there is one; without one it appends nothing.
func (w *structOut) setName(s *arch.ValueSet, v uint64) bool {
	if s == nil {
		return false
	}
	var ok bool
	w.b, ok = s.AppendFormat(w.b, v) // w.b unchanged when !ok
	return ok
}

// cmsgTypeSets names cmsg_type by the level's constant.
var cmsgTypeSets = []struct{ level, set string }{
	{"SOL_SOCKET", "scm"}, {"SOL_IP", "cmsg_ip"}, {"SOL_IPV6", "cmsg_ipv6"},
}

// cmsgTypeSet returns the name of the set naming the types of level.
func cmsgTypeSet(tab *arch.Table, level uint64) string {
	for _, c := range cmsgTypeSets {
		if v, ok := tab.Const(c.level); ok && v == level {
			return c.set
		}
	}
	return ""
}

// isConst reports whether v is the value of tab's constant name.
func isConst(tab *arch.Table, name string, v uint64) bool {
	c, ok := tab.Const(name)
	return ok && c == v
}

// cmsgAlign rounds n up to the alignment of control messages: the
// ABI's long (CMSG_ALIGN), which is the size of cmsg_len.
func cmsgAlign(n, align uint64) uint64 { return (n + align - 1) &^ (align - 1) }

// cmsgs appends the control messages in data, of which the call said
// there were ctllen bytes, as an array: cmsg_len, cmsg_level, cmsg_type
// by name, and cmsg_data decoded for the SOL_SOCKET types that carry
// descriptors, credentials and timestamps, else in hex.
func (w *structOut) cmsgs(tab *arch.Table, cl *arch.StructLayout, data []byte, ctllen uint64) {
	ln, level, typ := fieldOf(cl, "Len"), fieldOf(cl, "Level"), fieldOf(cl, "Type")
	w.b = append(w.b, '[')
	off, i := 0, 0
	for off+cl.Size <= len(data) {
		p := data[off:]
		n := ln.get(p)
		lv, ty := uint64(uint32(level.get(p))), uint64(uint32(typ.get(p)))
		w.arrEntry(i)
		w.uint("cmsg_len", n, ln.size)
		w.named("cmsg_level", tab, "sollevel", int64(int32(lv)))
		w.named("cmsg_type", tab, cmsgTypeSet(tab, lv), int64(int32(ty)))
		end := off + int(min(n, uint64(len(data)-off)))
		if n >= uint64(cl.Size) {
			w.cmsgData(tab, lv, ty, data[off+cl.Size:end])
		}
		w.endEntry()
		i++
		if n < uint64(cl.Size) {
			break // malformed: the kernel stops here too
		}
		off += int(min(cmsgAlign(n, uint64(ln.size)), uint64(len(data)-off)))
	}
	if uint64(len(data)) < ctllen {
		w.more()
	}
	w.b = append(w.b, ']')
}

// cmsgData appends the data of a control message of level lv and type
// ty.
func (w *structOut) cmsgData(tab *arch.Table, lv, ty uint64, d []byte) {
	sol := isConst(tab, "SOL_SOCKET", lv)
	switch {
	case sol && (isConst(tab, "SCM_RIGHTS", ty) || isConst(tab, "SCM_PIDFD", ty)):
		w.key("cmsg_data")
		w.b = append(w.b, '[')
		for i := 0; i+4 <= len(d); i += 4 {
			if i > 0 {
				w.b = append(w.b, ',')
				if !w.json {
					w.b = append(w.b, ' ')
				}
			}
			w.b = strconv.AppendInt(w.b, int64(int32(le.Uint32(d[i:]))), 10)
		}
		w.b = append(w.b, ']')
		return
	case sol && isConst(tab, "SCM_CREDENTIALS", ty):
		if u := tab.Struct("ucred"); u != nil && len(d) >= u.Size {
			w.key("cmsg_data")
			w.nestedStruct(func(n *structOut) bool {
				n.nested = true
				pid, uid, gid := fieldOf(u, "Pid"), fieldOf(u, "Uid"), fieldOf(u, "Gid")
				n.int("pid", pid.get(d), pid.size)
				n.uint("uid", uid.get(d), uid.size)
				n.uint("gid", gid.get(d), gid.size)
				return true
			})
			return
		}
	case sol && (isConst(tab, "SCM_TIMESTAMP", ty) || isConst(tab, "SCM_TIMESTAMP_NEW", ty)):
		if _, _, ok := secPair(d); ok {
			w.key("cmsg_data")
			w.nestedStruct(func(n *structOut) bool { n.nested = true; return decodeTimeval(n, tab.ABI(), d) })
			return
		}
	case sol && (isConst(tab, "SCM_TIMESTAMPNS", ty) || isConst(tab, "SCM_TIMESTAMPNS_NEW", ty)):
		if _, _, ok := secPair(d); ok {
			w.key("cmsg_data")
			w.nestedStruct(func(n *structOut) bool { n.nested = true; return decodeTimespec(n, tab.ABI(), d) })
			return
		}
	}
	w.key("cmsg_data")
	if w.json {
		w.b = append(w.b, '"')
		w.b = appendHexString(w.b, d)
		w.b = append(w.b, '"')
		return
	}
	w.b = append(w.b, "0x"...)
	w.b = appendHexString(w.b, d)
}
