package session

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
)

// OpenTraceFile opens the trace file at path for appending records.
//
// Without appendTo it makes the file anew, as BSD ktrace does: whatever is
// at path is removed, and a new file is created, mode 0600, owned by the
// caller, so that a trace never lands in a file another user made or
// linked. A file that a tracer is still writing is refused (add to it
// with -a). With appendTo it opens the file, creating it if need be, and
// refuses one owned by another user, one with more than one link (a hard
// link to another file), and one that is not empty and not a trace.
// Symbolic links, directories, FIFOs and devices are refused either way.
func OpenTraceFile(path string, appendTo bool) (*os.File, error) {
	var st unix.Stat_t
	err := unix.Lstat(path, &st)
	if err == nil {
		if err := checkTraceFileType(path, st.Mode); err != nil {
			return nil, err
		}
	}
	if appendTo {
		return openAppend(path)
	}
	if err == nil {
		if !unlocked(path, &st) {
			if pid, ok := liveTracer(filePrefix(os.Geteuid(), st.Dev, st.Ino)); ok {
				return nil, fmt.Errorf("%s: tracer %d is writing it: add to it with -a", path, pid)
			}
		}
		if err := unix.Unlink(path); err != nil && err != unix.ENOENT {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_APPEND|unix.O_NOFOLLOW|
		unix.O_CLOEXEC|unix.O_NOCTTY, 0o600)
	if err != nil {
		if err == unix.EEXIST {
			return nil, fmt.Errorf("%s: made again by someone else while it was being made anew", path)
		}
		return nil, openError(path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openAppend opens the trace file at path to append to it.
func openAppend(path string) (*os.File, error) {
	// O_NONBLOCK keeps a FIFO from blocking the open; O_NOFOLLOW
	// refuses a symbolic link in the last component.
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_APPEND|unix.O_NOFOLLOW|
		unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0o600)
	if err != nil {
		return nil, openError(path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	if err := checkAppend(f, path); err != nil {
		f.Close()
		return nil, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// checkAppend refuses to append to the open file f: anything but a
// regular file of the caller's with one link that is empty or a trace.
func checkAppend(f *os.File, path string) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := checkTraceFileType(path, st.Mode); err != nil {
		return err
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s: owned by another user (uid %d): -a appends only to your own files", path, st.Uid)
	}
	if st.Nlink > 1 {
		return fmt.Errorf("%s: has %d links: -a appends only to a file with one", path, st.Nlink)
	}
	if st.Size == 0 {
		return nil
	}
	_, err := format.NewReader(io.NewSectionReader(f, 0, format.MaxRecordLen)).Next()
	if errors.Is(err, format.ErrNotTrace) {
		return fmt.Errorf("%s: not a ktrace file: -a appends only to trace files", path)
	}
	return nil
}

// openError explains why the trace file at path could not be opened.
func openError(path string, err error) error {
	switch err {
	case unix.ELOOP:
		return fmt.Errorf("%s: is a symbolic link", path)
	case unix.EISDIR:
		return fmt.Errorf("%s: is a directory", path)
	case unix.ENXIO:
		return fmt.Errorf("%s: not a regular file", path)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// unlocked reports whether no tracer can be writing the file at path,
// which lstat found to be st, without looking for one (liveTracer reads
// /proc/net/unix, as long as the machine has sockets): every tracer holds
// an exclusive flock(2) on its trace file while it serves it (see listen),
// so a shared lock granted at once says none does. It opens only a regular
// file of the caller's, without following a symbolic link or waiting, and
// says no when the file at path is no longer the one lstat found; the lock
// goes with the descriptor, closed before it returns.
func unlocked(path string, st *unix.Stat_t) bool {
	if st.Mode&unix.S_IFMT != unix.S_IFREG || int(st.Uid) != os.Geteuid() {
		return false
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil || now.Dev != st.Dev || now.Ino != st.Ino {
		return false // not the regular file lstat found
	}
	return unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) == nil
}

// liveTracer reports whether a tracer of the sockets of prefix still
// traces processes, and its pid. One that is exiting does not count.
func liveTracer(prefix string) (int, bool) {
	c, err := findTracer(prefix)
	if err != nil || c == nil {
		return 0, false
	}
	rep, err := call(c, &Request{Op: "status"}, nil)
	if err != nil || !rep.OK || len(rep.Traced) == 0 {
		return 0, false
	}
	return rep.PID, true
}

// checkTraceFileType refuses anything but a regular file.
func checkTraceFileType(path string, mode uint32) error {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return fmt.Errorf("%s: is a symbolic link", path)
	case unix.S_IFDIR:
		return fmt.Errorf("%s: is a directory", path)
	}
	return fmt.Errorf("%s: not a regular file", path)
}
