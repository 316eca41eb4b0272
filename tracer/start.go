package tracer

import (
	"bytes"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Machine returns the machine this program runs on.
func Machine() arch.Machine {
	switch runtime.GOARCH {
	case "amd64":
		return arch.MachineAmd64
	case "arm64":
		return arch.MachineArm64
	}
	return arch.MachineUnknown
}

// WriteStart appends the START record that opens a tracing session and
// flushes it.
func WriteStart(w *format.Writer) error {
	var u unix.Utsname
	_ = unix.Uname(&u)
	s := format.Start{
		Version:  uint16(w.Version()),
		Machine:  Machine(),
		Clock:    unix.CLOCK_REALTIME,
		Release:  cstr(u.Release[:]),
		Hostname: cstr(u.Nodename[:]),
	}
	h := format.Header{PID: int32(os.Getpid()), TID: int32(unix.Gettid()), Time: time.Now().UnixNano(),
		ABI: Machine().NativeABI()}
	h.SetComm("ktrace")
	if err := w.WriteStart(&h, &s); err != nil {
		return err
	}
	return w.Flush()
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
