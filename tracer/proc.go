package tracer

import (
	"bytes"
	"strconv"

	"golang.org/x/sys/unix"
)

// procPath returns /proc/ID/name.
func procPath(id int, name string) string {
	return "/proc/" + strconv.Itoa(id) + "/" + name
}

// readSmallFile reads a /proc file into buf and returns what it read.
func readSmallFile(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}

// readComm reads the command name of a thread.
func readComm(tid int, dst *[16]byte, scratch []byte) {
	b, err := readSmallFile(procPath(tid, "comm"), scratch[:64])
	if err != nil {
		return
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	*dst = [16]byte{}
	copy(dst[:], b)
}

// procStatus holds the fields of /proc/PID/status the tracer uses.
type procStatus struct {
	tgid, ppid             int
	sigBlk, sigIgn, sigCgt uint64
	tracerPid              int
}

// readStatus parses /proc/TID/status.
func readStatus(tid int, scratch []byte) (procStatus, bool) {
	var st procStatus
	b, err := readSmallFile(procPath(tid, "status"), scratch)
	if err != nil {
		return st, false
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch string(k) {
		case "Tgid":
			st.tgid = atoi(v)
		case "PPid":
			st.ppid = atoi(v)
		case "TracerPid":
			st.tracerPid = atoi(v)
		case "SigBlk":
			st.sigBlk = hexval(v)
		case "SigIgn":
			st.sigIgn = hexval(v)
		case "SigCgt":
			st.sigCgt = hexval(v)
		}
	}
	return st, true
}

func atoi(b []byte) int {
	n, _ := strconv.Atoi(string(b))
	return n
}

func hexval(b []byte) uint64 {
	n, _ := strconv.ParseUint(string(b), 16, 64)
	return n
}
