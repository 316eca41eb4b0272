package arch

import "encoding/binary"

// LenMsghdr is the StructLen of a struct msghdr of Size bytes recorded
// with the iovecs, address and control messages it points to (see
// MsghdrPrefix), after the lengths of structs.go and structs_time.go.
const LenMsghdr StructLen = LenString + 1

// siginfoSize is sizeof(siginfo_t) on every Linux ABI
// (include/uapi/asm-generic/siginfo.h: SI_MAX_SIZE).
const siginfoSize = 128

// The "msghdr" STRU record of sendmsg (after the CALL) and recvmsg
// (before the RET of a successful call) holds the struct msghdr and the
// buffers it points to that a reader needs, so that one record says all:
//
//	0   u32 iovec entries recorded (at most MaxMsgIov)
//	4   u32 bytes of the address (msg_name) recorded (at most MaxMsgName)
//	8   u32 bytes of the control messages recorded (at most MaxMsgControl)
//	12  u32 zero
//	16  struct msghdr as in the tracee, in the call's ABI layout
//	    (x/sys Msghdr: 56 bytes, 28 on i386)
//	    then the iovec entries (x/sys Iovec), the address bytes and the
//	    control bytes (struct cmsghdr and data, CMSG_ALIGNed to the ABI's
//	    long), in that order.
//
// The record is cut (format.FlagCut) when the call had more of any of
// them; the data the iovecs point to is in the call's GIO records.
const (
	MsghdrPrefix  = 16
	MaxMsgIov     = 64
	MaxMsgName    = sockaddrMax
	MaxMsgControl = 4096
)

// MsghdrParts are the sizes of the parts of a "msghdr" STRU record
// after its prefix.
type MsghdrParts struct {
	Hdr     int // the struct msghdr
	Iovs    int // iovec entries
	Name    int // bytes of the address
	Control int // bytes of the control messages
}

// PutMsghdrPrefix writes the prefix of a "msghdr" record for p into
// b[:MsghdrPrefix].
func PutMsghdrPrefix(b []byte, p MsghdrParts) {
	binary.LittleEndian.PutUint32(b, uint32(p.Iovs))
	binary.LittleEndian.PutUint32(b[4:], uint32(p.Name))
	binary.LittleEndian.PutUint32(b[8:], uint32(p.Control))
	binary.LittleEndian.PutUint32(b[12:], 0)
}

// ParseMsghdr splits a "msghdr" record of a call of an ABI whose struct
// msghdr is hdrSize bytes and struct iovec iovSize bytes into the
// header, the iovec array, the address and the control bytes. It
// reports false when data is too short for what its prefix says.
func ParseMsghdr(data []byte, hdrSize, iovSize int) (hdr, iovs, name, control []byte, ok bool) {
	if len(data) < MsghdrPrefix+hdrSize || hdrSize <= 0 || iovSize <= 0 {
		return nil, nil, nil, nil, false
	}
	le := binary.LittleEndian
	niov, nname, nctl := uint64(le.Uint32(data)), uint64(le.Uint32(data[4:])), uint64(le.Uint32(data[8:]))
	rest := data[MsghdrPrefix+hdrSize:]
	if niov > MaxMsgIov || nname > MaxMsgName || nctl > MaxMsgControl ||
		niov*uint64(iovSize)+nname+nctl != uint64(len(rest)) {
		return nil, nil, nil, nil, false
	}
	hdr = data[MsghdrPrefix : MsghdrPrefix+hdrSize]
	n := int(niov) * iovSize
	iovs, rest = rest[:n], rest[n:]
	name, control = rest[:nname], rest[nname:]
	return hdr, iovs, name, control, true
}
