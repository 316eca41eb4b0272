// Package stdfds tells which standard descriptors (0, 1 and 2) were
// closed when the program started.
//
// The Go runtime opens /dev/null on a closed standard descriptor before
// any Go code runs, so a program cannot see that it was started with, say,
// its standard output closed. ktrace must know: the command it runs has
// to start with the same descriptors closed, as it would untraced. This
// package's entry point runs before the runtime when the program is
// linked with LinkFlag; it notes the closed descriptors and jumps to the
// runtime's own entry point.
package stdfds

import "golang.org/x/sys/unix"

// LinkFlag is the linker flag (go build -ldflags=...) that makes this
// package's entry point the program's.
const LinkFlag = "-E=github.com/ktrace-linux/ktrace/internal/stdfds.entry"

// atStart is written by entry before the runtime starts: bit n is set
// when descriptor n was closed, and bit 7 says entry ran.
var atStart uint8

const entryRan = 1 << 7

// entry is the program's entry point under LinkFlag (entry_*.s).
func entry()

// The entry point is called by no Go code.
var _ = entry

// ClosedAtStart returns the standard descriptors that were closed when
// the program started, and whether that is known: it is not when the
// program was linked without LinkFlag.
func ClosedAtStart() (fds []int, known bool) {
	if atStart&entryRan == 0 {
		return nil, false
	}
	for fd := 0; fd < 3; fd++ {
		if atStart&(1<<fd) != 0 {
			fds = append(fds, fd)
		}
	}
	return fds, true
}

// CloseRuntimeOpened closes again the standard descriptors that were
// closed at start and that the runtime opened on /dev/null, so that a
// program executed next starts with them closed. A descriptor that no
// longer refers to /dev/null (the program reused it) is left alone.
func CloseRuntimeOpened() error {
	fds, _ := ClosedAtStart()
	var null unix.Stat_t
	if len(fds) > 0 {
		if err := unix.Stat("/dev/null", &null); err != nil {
			return err
		}
	}
	for _, fd := range fds {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			continue // closed already
		}
		if st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == null.Rdev {
			if err := unix.Close(fd); err != nil {
				return err
			}
		}
	}
	return nil
}
