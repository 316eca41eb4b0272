package session

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
)

// OpenTraceFile opens the trace file at path for appending records,
// creating it with mode 0600. Symbolic links, directories, FIFOs and
// devices are refused, and so, with appendTo, is a file owned by another
// user. It does not empty the file: without -a, the tracer that serves
// the file starts it anew.
func OpenTraceFile(path string, appendTo bool) (*os.File, error) {
	var lst unix.Stat_t
	if err := unix.Lstat(path, &lst); err == nil {
		if err := checkTraceFileType(path, lst.Mode); err != nil {
			return nil, err
		}
	}
	// O_NONBLOCK keeps a FIFO from blocking the open; O_NOFOLLOW
	// refuses a symbolic link in the last component.
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND|unix.O_NOFOLLOW|
		unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0o600)
	if err != nil {
		switch err {
		case unix.ELOOP:
			return nil, fmt.Errorf("%s: is a symbolic link", path)
		case unix.EISDIR:
			return nil, fmt.Errorf("%s: is a directory", path)
		case unix.ENXIO:
			return nil, fmt.Errorf("%s: not a regular file", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkTraceFileType(path, st.Mode); err != nil {
		f.Close()
		return nil, err
	}
	if appendTo && int(st.Uid) != os.Geteuid() {
		f.Close()
		return nil, fmt.Errorf("%s: owned by another user (uid %d)", path, st.Uid)
	}
	if appendTo && st.Size > 0 {
		if err := checkIsTrace(path); err != nil {
			f.Close()
			return nil, err
		}
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// checkIsTrace refuses to append to a file that is not a trace: records
// appended to, say, a text file would damage it for nothing.
func checkIsTrace(path string) error {
	r, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	if _, err := format.NewReader(io.LimitReader(r, format.MaxRecordLen)).Next(); errors.Is(err, format.ErrNotTrace) {
		return fmt.Errorf("%s: not a ktrace file: -a appends only to trace files", path)
	}
	return nil
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
