package dump

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The STRU names kdump decodes (the tracer writes these names):
//
//	stat      struct stat as the ABI's stat/fstat/newfstatat fill it
//	          (amd64: 144 bytes, arm64: 128 bytes, i386: stat64 96 bytes
//	          or old stat 64 bytes)
//	statx     struct statx (the same on every ABI)
//	timespec  struct timespec (16 bytes, or 8 for i386's 32-bit one)
//	timeval   struct timeval (16 bytes, or 8 on i386)
//	sockaddr  struct sockaddr of any length; AF_UNIX, AF_INET, AF_INET6,
//	          AF_NETLINK and AF_PACKET are decoded, other families shown
//	          as their number and bytes
//	fd_pair   int[2], the descriptors pipe, pipe2 and socketpair return
//	pollfd    an array of struct pollfd (poll, ppoll), as passed or as
//	          the kernel updated it
//
// "stat64", "sockaddr_un", "sockaddr_in" and "sockaddr_in6" are accepted
// as other names for the same.

var le = binary.LittleEndian

// field is the position of an integer member: offset and size in bytes
// (0 size: the member does not exist in this layout).
type field struct{ off, size int }

// get reads the member from p, sign-extending signed members is left to
// the caller.
func (f field) get(p []byte) uint64 {
	switch f.size {
	case 2:
		return uint64(le.Uint16(p[f.off:]))
	case 4:
		return uint64(le.Uint32(p[f.off:]))
	case 8:
		return le.Uint64(p[f.off:])
	}
	return 0
}

// timeField is a seconds, nanoseconds pair.
type timeField struct{ sec, nsec field }

// structLayout returns the generated layout of the structure name on abi
// (from x/sys's types, see arch/internal/gen), or nil.
func structLayout(abi arch.ABI, name string) *arch.StructLayout {
	tab := tables.For(abi)
	if tab == nil {
		return nil
	}
	return tab.Struct(name)
}

// fieldOf returns the member called name of l.
func fieldOf(l *arch.StructLayout, name string) field {
	f := l.Field(name)
	return field{f.Off, f.Size}
}

// timeOf returns the seconds and nanoseconds members of the timestamp
// member called name of l.
func timeOf(l *arch.StructLayout, name string) timeField {
	return timeField{fieldOf(l, name+".Sec"), fieldOf(l, name+".Nsec")}
}

// statLayout is the layout of one ABI's struct stat.
type statLayout struct {
	size                            int
	dev, ino, nlink, mode, uid, gid field
	rdev, fsize, blksize, blocks    field
	atime, mtime, ctime             timeField
}

// oldStatI386 is i386's struct stat of the stat, lstat and fstat calls
// (arch/x86/include/uapi/asm/stat.h), which x/sys has no type for: its
// Stat_t is struct stat64.
var oldStatI386 = statLayout{size: 64,
	dev: field{0, 4}, ino: field{4, 4}, mode: field{8, 2}, nlink: field{10, 2},
	uid: field{12, 2}, gid: field{14, 2}, rdev: field{16, 4}, fsize: field{20, 4},
	blksize: field{24, 4}, blocks: field{28, 4},
	atime: timeField{field{32, 4}, field{36, 4}}, mtime: timeField{field{40, 4}, field{44, 4}},
	ctime: timeField{field{48, 4}, field{52, 4}}}

// statLayoutFor returns the struct stat layout of abi that is size bytes
// long: the generated one, or i386's old struct stat.
func statLayoutFor(abi arch.ABI, size int) (statLayout, bool) {
	if l := structLayout(abi, "stat"); l != nil && l.Size == size {
		return statLayout{size: l.Size,
			dev: fieldOf(l, "Dev"), ino: fieldOf(l, "Ino"), nlink: fieldOf(l, "Nlink"),
			mode: fieldOf(l, "Mode"), uid: fieldOf(l, "Uid"), gid: fieldOf(l, "Gid"),
			rdev: fieldOf(l, "Rdev"), fsize: fieldOf(l, "Size"), blksize: fieldOf(l, "Blksize"),
			blocks: fieldOf(l, "Blocks"),
			atime:  timeOf(l, "Atim"), mtime: timeOf(l, "Mtim"), ctime: timeOf(l, "Ctim")}, true
	}
	if abi == arch.ABII386 && size == oldStatI386.size {
		return oldStatI386, true
	}
	return statLayout{}, false
}

// structDecoder writes the members of a struct to w and reports whether
// it could decode data.
type structDecoder func(w *structOut, abi arch.ABI, data []byte) bool

// structDecoders maps STRU names to their decoders.
var structDecoders = map[string]structDecoder{
	"stat":         decodeStat,
	"stat64":       decodeStat,
	"statx":        decodeStatx,
	"timespec":     decodeTimespec,
	"timeval":      decodeTimeval,
	"sockaddr":     decodeSockaddr,
	"sockaddr_un":  decodeSockaddr,
	"sockaddr_in":  decodeSockaddr,
	"sockaddr_in6": decodeSockaddr,
	"fd_pair":      decodeFdPair,
	"pollfd":       decodePollfd,
	// msghdr, siginfo, wait status (issue 12): structs_msg.go, structs_siginfo.go
	"msghdr":      decodeMsghdr,
	"siginfo":     decodeSiginfo,
	"wait_status": decodeWaitStatus,
	// Signals, limits and system structures (issue 12, sys area).
	"sigaction":  decodeSigaction,
	"rlimit":     decodeRlimit,
	"rlimit64":   decodeRlimit64,
	"utsname":    decodeUtsname,
	"sysinfo":    decodeSysinfo,
	"open_how":   decodeOpenHow,
	"clone_args": decodeCloneArgs,
	// dependent arguments (structs_dep.go)
	"termios":  decodeTermios,
	"termios2": decodeTermios,
	"winsize":  decodeWinsize,
	"flock":    decodeFlock,
	"linger":   decodeLinger,
	"int":      decodeInt,
	"name":     decodeName,
	// File system statistics (issue 12, polish): structs_statfs.go.
	"statfs": decodeStatfs,
}

// appendStruct appends "struct name {members}" when name is a struct
// kdump decodes and data has its layout.
func appendStruct(b []byte, name []byte, abi arch.ABI, data []byte, o *Options) ([]byte, bool) {
	if _, ok := valueDecoders[string(name)]; ok {
		return appendValue(b, name, data, o, false)
	}
	dec, ok := decoderOf(name)
	if !ok {
		return b, false
	}
	mark := len(b)
	b = append(b, "struct "...)
	b = append(b, name...)
	b = append(b, " {"...)
	w := structOut{b: b, o: o}
	if !dec(&w, abi, data) {
		return w.b[:mark], false
	}
	return append(w.b, " }"...), true
}

// appendStructJSON appends the members of the structure as a JSON object
// when name is a struct kdump decodes and data has its layout.
func appendStructJSON(b []byte, name []byte, abi arch.ABI, data []byte, o *Options) ([]byte, bool) {
	if _, ok := valueDecoders[string(name)]; ok {
		return appendValueJSON(b, name, data, o)
	}
	dec, ok := decoderOf(name)
	if !ok {
		return b, false
	}
	mark := len(b)
	w := structOut{b: append(b, '{'), json: true, o: o}
	if !dec(&w, abi, data) {
		return w.b[:mark], false
	}
	return append(w.b, '}'), true
}

// member appends ", name=" (no comma for the first member, which follows
// the opening brace).
func member(b []byte, name string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, ' ')
	b = append(b, name...)
	return append(b, '=')
}

func decodeStat(w *structOut, abi arch.ABI, data []byte) bool {
	l, ok := statLayoutFor(abi, len(data))
	if !ok {
		return false
	}
	w.dev("dev", l.dev.get(data))
	w.uint("ino", l.ino.get(data), l.ino.size)
	w.mode("mode", l.mode.get(data))
	w.uint("nlink", l.nlink.get(data), l.nlink.size)
	w.uint("uid", l.uid.get(data), l.uid.size)
	w.uint("gid", l.gid.get(data), l.gid.size)
	w.dev("rdev", l.rdev.get(data))
	w.int("size", l.fsize.get(data), l.fsize.size)
	w.int("blksize", l.blksize.get(data), l.blksize.size)
	w.int("blocks", l.blocks.get(data), l.blocks.size)
	for _, t := range [...]struct {
		name string
		f    timeField
	}{{"atime", l.atime}, {"mtime", l.mtime}, {"ctime", l.ctime}} {
		w.time(t.name, signExtend(t.f.sec.get(data), t.f.sec.size), int64(t.f.nsec.get(data)))
	}
	return true
}

func decodeStatx(w *structOut, abi arch.ABI, data []byte) bool {
	sl := structLayout(abi, "statx")
	if sl == nil || len(data) < sl.Size {
		return false
	}
	u := func(name, member string) {
		f := fieldOf(sl, member)
		w.uint(name, f.get(data), f.size)
	}
	f := func(member string) uint64 { return fieldOf(sl, member).get(data) }
	mask := fieldOf(sl, "Mask")
	w.hex("mask", mask.get(data), mask.size)
	w.devPair("dev", f("Dev_major"), f("Dev_minor"))
	u("ino", "Ino")
	w.mode("mode", f("Mode"))
	u("nlink", "Nlink")
	u("uid", "Uid")
	u("gid", "Gid")
	w.devPair("rdev", f("Rdev_major"), f("Rdev_minor"))
	u("size", "Size")
	u("blksize", "Blksize")
	u("blocks", "Blocks")
	attrs := fieldOf(sl, "Attributes")
	w.hex("attributes", attrs.get(data), attrs.size)
	for _, t := range [...]struct{ name, member string }{
		{"atime", "Atime"}, {"btime", "Btime"}, {"ctime", "Ctime"}, {"mtime", "Mtime"},
	} {
		tf := timeOf(sl, t.member)
		w.time(t.name, int64(tf.sec.get(data)), int64(tf.nsec.get(data)))
	}
	return true
}

// secPair reads a seconds, fraction pair of two 4- or 8-byte members.
func secPair(data []byte) (sec, frac int64, ok bool) {
	switch len(data) {
	case 16:
		return int64(le.Uint64(data)), int64(le.Uint64(data[8:])), true
	case 8:
		return int64(int32(le.Uint32(data))), int64(int32(le.Uint32(data[4:]))), true
	}
	return 0, 0, false
}

// UTIME_NOW and UTIME_OMIT, the special tv_nsec values of utimensat.
const (
	utimeNow  = 1<<30 - 1
	utimeOmit = 1<<30 - 2
)

// decodeTimespec decodes a struct timespec of either width (i386's
// time64 calls take the 64-bit one), by its size.
func decodeTimespec(w *structOut, _ arch.ABI, data []byte) bool {
	return w.timePair(data, "tv_nsec")
}

// decodeTimeval decodes a struct timeval of either width, by its size.
func decodeTimeval(w *structOut, _ arch.ABI, data []byte) bool {
	return w.timePair(data, "tv_usec")
}

// Address families decoded in sockaddrs, the same on every Linux ABI.
const (
	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16
	afPacket  = 17
)

// familyNames names the common address families.
var familyNames = map[uint16]string{
	0: "AF_UNSPEC", afUnix: "AF_UNIX", afInet: "AF_INET", afInet6: "AF_INET6",
	afNetlink: "AF_NETLINK", afPacket: "AF_PACKET",
}

// item appends the separator before a member shown without its name.
func item(b []byte) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return append(b, ' ')
}

// decodeSockaddr decodes a socket address as BSD kdump shows it: the
// family, then the address (AF_INET 127.0.0.1:80, AF_INET6 [::1]:443,
// AF_UNIX "/path" or @"abstract", nothing for an unnamed one); the
// members of AF_NETLINK and AF_PACKET addresses by name, and the bytes of
// other families in hex. In JSON: family (and family_name), then addr
// and port, path (and abstract), or the members.
func decodeSockaddr(w *structOut, _ arch.ABI, data []byte) bool {
	if len(data) < 2 {
		return false
	}
	fam := le.Uint16(data)
	name, known := familyNames[fam]
	switch {
	case w.json:
		w.uint("family", uint64(fam), 2)
		if known {
			w.str("family_name", []byte(name), false)
		}
	case known && !w.o.Raw:
		w.pos("family")
		w.b = append(w.b, name...)
	default:
		w.pos("family")
		w.b = strconv.AppendUint(w.b, uint64(fam), 10)
	}
	be := binary.BigEndian
	switch {
	case fam == afUnix:
		path := data[2:]
		if len(path) == 0 {
			return true // unnamed (a socketpair's, an accepted peer's)
		}
		abstract := path[0] == 0
		if abstract { // the name is every byte after the NUL
			path = path[1:]
		} else if i := indexByte(path, 0); i >= 0 {
			path = path[:i]
		}
		if w.json {
			w.str("path", path, false)
			if abstract {
				w.key("abstract")
				w.b = append(w.b, "true"...)
			}
			return true
		}
		w.pos("path")
		if abstract {
			w.b = append(w.b, '@')
		}
		w.b = appendQuoted(w.b, path)
		return true
	case fam == afInet && len(data) >= 8:
		addr := netip.AddrFrom4([4]byte(data[4:8]))
		w.addrPort(addr, be.Uint16(data[2:]))
		return true
	case fam == afInet6 && len(data) >= 24:
		addr := netip.AddrFrom16([16]byte(data[8:24]))
		if len(data) >= 28 {
			if scope := le.Uint32(data[24:]); scope != 0 {
				addr = addr.WithZone(strconv.FormatUint(uint64(scope), 10))
			}
		}
		w.addrPort(addr, be.Uint16(data[2:]))
		if flow := be.Uint32(data[4:]); flow != 0 || w.json {
			w.hex("flowinfo", uint64(flow), 4)
		}
		return true
	case fam == afNetlink && len(data) >= 12: // struct sockaddr_nl
		w.uint("pid", uint64(le.Uint32(data[4:])), 4)
		w.hex("groups", uint64(le.Uint32(data[8:])), 4)
		return true
	case fam == afPacket && len(data) >= 12: // struct sockaddr_ll
		w.hex("protocol", uint64(be.Uint16(data[2:])), 2)
		w.int("ifindex", uint64(le.Uint32(data[4:])), 4)
		w.uint("hatype", uint64(le.Uint16(data[8:])), 2)
		w.uint("pkttype", uint64(data[10]), 1)
		halen := min(int(data[11]), len(data)-12, 8)
		var mac [3*8 - 1]byte
		m := mac[:0]
		for i, c := range data[12 : 12+halen] {
			if i > 0 {
				m = append(m, ':')
			}
			m = append(m, hexDigits[c>>4], hexDigits[c&15])
		}
		w.str("addr", m, true)
		return true
	}
	if len(data) > 2 {
		w.key("data")
		if w.json {
			w.b = append(w.b, '"')
			w.b = appendHexString(w.b, data[2:])
			w.b = append(w.b, '"')
		} else {
			w.b = appendHexString(w.b, data[2:])
		}
	}
	return true
}

// addrPort writes an IP address and port: "addr:port" in text
// ("[addr]:port" for IPv6), addr and port members in JSON.
func (w *structOut) addrPort(addr netip.Addr, port uint16) {
	if w.json {
		w.key("addr")
		w.b = append(w.b, '"')
		w.b = addr.AppendTo(w.b)
		w.b = append(w.b, '"')
		w.uint("port", uint64(port), 2)
		return
	}
	w.pos("addr")
	w.b = netip.AddrPortFrom(addr, port).AppendTo(w.b)
}

// decodeFdPair decodes the two descriptors of pipe, pipe2 and
// socketpair: "3, 4" in text, "fds":[3,4] in JSON.
func decodeFdPair(w *structOut, _ arch.ABI, data []byte) bool {
	if len(data) != 8 {
		return false
	}
	a, b := int64(int32(le.Uint32(data))), int64(int32(le.Uint32(data[4:])))
	if w.json {
		w.key("fds")
		w.b = append(w.b, '[')
		w.b = strconv.AppendInt(w.b, a, 10)
		w.b = append(w.b, ',')
		w.b = strconv.AppendInt(w.b, b, 10)
		w.b = append(w.b, ']')
		return true
	}
	w.b = item(w.b)
	w.b = strconv.AppendInt(w.b, a, 10)
	w.b = item(w.b)
	w.b = strconv.AppendInt(w.b, b, 10)
	return true
}

// decodePollfd decodes an array of struct pollfd (fd, events, revents)
// in the ABI's generated layout: each entry in braces in text, the
// entries array in JSON.
func decodePollfd(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "pollfd")
	if l == nil || len(data) == 0 || len(data)%l.Size != 0 {
		return false
	}
	fd, events, revents := fieldOf(l, "Fd"), fieldOf(l, "Events"), fieldOf(l, "Revents")
	if w.json {
		w.key("entries")
		w.b = append(w.b, '[')
	}
	for i := 0; i < len(data)/l.Size; i++ {
		p := data[i*l.Size:]
		w.entry(i)
		w.int("fd", fd.get(p), fd.size)
		w.flags("events", tables.For(abi), "poll", events.get(p), 2)
		w.flags("revents", tables.For(abi), "poll", revents.get(p), 2)
		w.endEntry()
	}
	if w.json {
		w.b = append(w.b, ']')
	}
	return true
}

// indexByte returns the index of the first c in p, or -1.
func indexByte(p []byte, c byte) int {
	for i, x := range p {
		if x == c {
			return i
		}
	}
	return -1
}

// appendHexString appends p as contiguous hex digits.
func appendHexString(b []byte, p []byte) []byte {
	for _, c := range p {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// signExtend interprets the low size bytes of v as a signed integer.
func signExtend(v uint64, size int) int64 {
	switch size {
	case 2:
		return int64(int16(v))
	case 4:
		return int64(int32(v))
	}
	return int64(v)
}

func appendMajorMinor(b []byte, major, minor uint64) []byte {
	b = strconv.AppendUint(b, major, 10)
	b = append(b, ',')
	return strconv.AppendUint(b, minor, 10)
}

// fileTypes gives ls's letter for each S_IFMT value.
var fileTypes = [16]byte{
	0o01: 'p', 0o02: 'c', 0o04: 'd', 0o06: 'b', 0o10: '-', 0o12: 'l', 0o14: 's',
}

// appendFileMode appends mode in octal and, unless raw, as ls shows it:
// 0100644<-rw-r--r-->.
func appendFileMode(b []byte, mode uint64, o *Options) []byte {
	b = appendOctal(b, mode)
	if o.Raw {
		return b
	}
	b = append(b, '<')
	t := fileTypes[(mode>>12)&0xf]
	if t == 0 {
		t = '?'
	}
	b = append(b, t)
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		c := byte('-')
		if mode&(1<<(8-i)) != 0 {
			c = rwx[i]
		}
		b = append(b, c)
	}
	// setuid, setgid and sticky replace the x of their column.
	for i, bit := range [...]uint64{0o4000, 0o2000, 0o1000} {
		if mode&bit == 0 {
			continue
		}
		pos := len(b) - 9 + 3*i + 2
		if i == 2 {
			b[pos] = "Tt"[boolInt(b[pos] == 'x')]
		} else {
			b[pos] = "Ss"[boolInt(b[pos] == 'x')]
		}
	}
	return append(b, '>')
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// appendTime appends a timestamp: seconds.nanoseconds when raw, else the
// UTC date and time with nanoseconds.
func appendTime(b []byte, sec, nsec int64, o *Options) []byte {
	if o.Raw || nsec < 0 || nsec >= 1e9 {
		b = strconv.AppendInt(b, sec, 10)
		b = append(b, '.')
		var tmp [9]byte
		frac := uint64(nsec) % 1e9
		for i := len(tmp) - 1; i >= 0; i-- {
			tmp[i] = byte('0' + frac%10)
			frac /= 10
		}
		return append(b, tmp[:]...)
	}
	return time.Unix(sec, nsec).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000000Z")
}

// FormatStruct returns a STRU record's structure as kdump -r shows it,
// "struct name { members }", for a record named name of a call of abi,
// and whether kdump decodes such a structure of that size.
func FormatStruct(name string, abi arch.ABI, data []byte, o Options) (string, bool) {
	b, ok := appendStruct(nil, []byte(name), abi, data, &o)
	return string(b), ok
}
