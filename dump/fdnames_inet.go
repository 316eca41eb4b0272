package dump

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/ktrace-linux/ktrace/format"
)

// Internet sockets' ends (-y, issue 12 polish): a TCP or UDP socket is
// named, as strace -yy does, by its protocol and the addresses the trace
// shows of its ends, "TCP:[127.0.0.1:41234->127.0.0.1:8080]": the local
// one from bind and getsockname (and an accepted socket's from its
// listening one), the peer from connect, accept and getpeername, each
// from the call's sockaddr STRU record. A socket of which none is known
// stays "socket:TCP".

// inetProtos are the socketNames of internet sockets.
var inetProtos = []string{"TCP", "UDP", "TCPv6", "UDPv6"}

// inetEnds splits the name of an internet socket into its protocol and
// ends ("" when not known); ok is false for any other name.
func inetEnds(name string) (proto, local, peer string, ok bool) {
	if p, found := strings.CutPrefix(name, "socket:"); found {
		for _, q := range inetProtos {
			if p == q {
				return p, "", "", true
			}
		}
		return "", "", "", false
	}
	i := strings.Index(name, ":[")
	if i < 0 || !strings.HasSuffix(name, "]") {
		return "", "", "", false
	}
	proto = name[:i]
	for _, q := range inetProtos {
		if proto == q {
			local, peer, _ = strings.Cut(name[i+2:len(name)-1], "->")
			return proto, local, peer, true
		}
	}
	return "", "", "", false
}

// inetName names an internet socket by its protocol and ends.
func inetName(proto, local, peer string) string {
	switch {
	case local == "" && peer == "":
		return "socket:" + proto
	case peer == "":
		return proto + ":[" + local + "]"
	}
	return proto + ":[" + local + "->" + peer + "]"
}

// sockaddrText returns an AF_INET or AF_INET6 socket address as
// "127.0.0.1:8080" or "[::1]:8080", "" for another family or a short
// one.
func sockaddrText(data []byte) string {
	if len(data) < 2 {
		return ""
	}
	switch binary.LittleEndian.Uint16(data) {
	case 2: // AF_INET
		if len(data) >= 8 {
			a := netip.AddrFrom4([4]byte(data[4:8]))
			return netip.AddrPortFrom(a, binary.BigEndian.Uint16(data[2:])).String()
		}
	case 10: // AF_INET6
		if len(data) >= 24 {
			a := netip.AddrFrom16([16]byte(data[8:24]))
			return netip.AddrPortFrom(a, binary.BigEndian.Uint16(data[2:])).String()
		}
	}
	return ""
}

// keepAddr keeps the sockaddr STRU record of a call that names a
// socket's end.
func (th *fdThread) keepAddr(rec *format.Record) bool {
	switch th.spec.op {
	case fdAddress, fdAccept, fdSockName, fdPeerName:
	default:
		return false
	}
	if s, err := rec.Struct(); err == nil && string(s.Label) == "sockaddr" {
		th.addr = sockaddrText(s.Data)
	}
	return true
}

// nameEnd sets an end of socket fd of p from th's address: the local one
// (bind, getsockname) or the peer (connect, getpeername).
func (p *fdProc) nameEnd(fd int32, th *fdThread, isLocal bool) {
	f, ok := p.files[fd]
	if !ok || th.addr == "" {
		return
	}
	proto, local, peer, ok := inetEnds(f.name)
	if !ok {
		return
	}
	if isLocal {
		local = th.addr
	} else {
		peer = th.addr
	}
	f.name = inetName(proto, local, peer)
	p.files[fd] = f
}

// acceptedName names the socket accept returned: the listening socket's
// protocol and local end, and the peer of its sockaddr record.
func acceptedName(listening string, th *fdThread) string {
	proto, local, _, ok := inetEnds(listening)
	if !ok {
		return listening
	}
	return inetName(proto, local, th.addr)
}
