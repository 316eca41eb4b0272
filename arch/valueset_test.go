package arch_test

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
)

func TestFormat(t *testing.T) {
	cases := []struct {
		tab  *arch.Table
		set  string
		v    uint64
		want string // "" means not ok
	}{
		{amd64.Table, "open", 0, "O_RDONLY"},
		{amd64.Table, "open", 0x80000, "O_RDONLY|O_CLOEXEC"},
		{amd64.Table, "open", 0x241, "O_WRONLY|O_CREAT|O_TRUNC"},
		{amd64.Table, "open", 0x42, "O_RDWR|O_CREAT"},
		{amd64.Table, "open", 0x10000, "O_RDONLY|O_DIRECTORY"},
		{arm64.Table, "open", 0x4000, "O_RDONLY|O_DIRECTORY"},
		{arm64.Table, "open", 0x10000, "O_RDONLY|O_DIRECT"},
		{amd64.Table, "open", 0x101000, "O_RDONLY|O_SYNC"},
		{amd64.Table, "open", 0x1000, "O_RDONLY|O_DSYNC"},
		{amd64.Table, "open", 0x410002, "O_RDWR|O_TMPFILE"},
		{amd64.Table, "open", 0x3, ""}, // access mode 3 names nothing
		{amd64.Table, "open", 0x80003, "O_CLOEXEC|0x3"},
		{amd64.Table, "open", 0x180000, "O_RDONLY|O_CLOEXEC|0x100000"},
		{amd64.Table386, "open", 0x8000, "O_RDONLY|O_LARGEFILE"},
		{amd64.Table, "clone", 0x1200011, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
		{amd64.Table, "clone", 0x3d0f00, "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"},
		{amd64.Table, "clone", 0x11, "SIGCHLD"},
		{amd64.Table, "clone", 0x41, ""}, // 65 is no signal
		{amd64.Table, "clone", 0x141, "CLONE_VM|0x41"},
		{amd64.Table, "prot", 0, "PROT_NONE"},
		{amd64.Table, "prot", 3, "PROT_READ|PROT_WRITE"},
		{amd64.Table, "prot", 7, "PROT_READ|PROT_WRITE|PROT_EXEC"},
		{amd64.Table, "mmap", 0x22, "MAP_PRIVATE|MAP_ANONYMOUS"},
		{amd64.Table, "mmap", 0x802, "MAP_PRIVATE|MAP_DENYWRITE"},
		{amd64.Table, "mmap", 0x1, "MAP_SHARED"},
		{amd64.Table, "mmap", 0x3, "MAP_SHARED_VALIDATE"},
		{amd64.Table, "mmap", 0x54040022, "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB"},
		{amd64.Table, "mmap", 0, ""},
		{amd64.Table, "socktype", 0x80801, "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC"},
		{amd64.Table, "socktype", 2, "SOCK_DGRAM"},
		{amd64.Table, "futex", 0x80, "FUTEX_WAIT|FUTEX_PRIVATE_FLAG"},
		{amd64.Table, "futex", 0x189, "FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME"},
		{amd64.Table, "futex", 0x81, "FUTEX_WAKE|FUTEX_PRIVATE_FLAG"},
		{amd64.Table, "access", 0, "F_OK"},
		{amd64.Table, "access", 6, "R_OK|W_OK"},
		{amd64.Table, "at", 0x100, "AT_SYMLINK_NOFOLLOW"},
		{amd64.Table, "at", 0x1000, "AT_EMPTY_PATH"},
		{amd64.Table, "unlinkat", 0x200, "AT_REMOVEDIR"},
		{amd64.Table, "faccessat", 0x200, "AT_EACCESS"},
		{amd64.Table, "statx_at", 0x2100, "AT_SYMLINK_NOFOLLOW|AT_STATX_FORCE_SYNC"},
		{amd64.Table, "wait", 0, ""},
		{amd64.Table, "wait", 0x40000001, "WNOHANG|__WALL"},
		{amd64.Table, "wait", 0xffffffffc0000000, "__WALL|__WCLONE"}, // a sign-extended C int
		{amd64.Table, "inotify", 0xfff, "IN_ALL_EVENTS"},
		{amd64.Table, "inotify", 0x40000102, "IN_MODIFY|IN_CREATE|IN_ISDIR"},
		{amd64.Table, "msg", 0x4040, "MSG_DONTWAIT|MSG_NOSIGNAL"},
		{amd64.Table, "sched", 0x40000001, "SCHED_FIFO|SCHED_RESET_ON_FORK"},
		{amd64.Table, "sched", 0, "SCHED_NORMAL"},
		{amd64.Table, "ipc", 0x1000e, "MSGCTL|0x10000"},
		{amd64.Table, "memfd", 0x54000005, "MFD_CLOEXEC|MFD_HUGETLB|MFD_HUGE_2MB"},

		{amd64.Table, "whence", 0, "SEEK_SET"},
		{amd64.Table, "whence", 4, "SEEK_HOLE"},
		{amd64.Table, "whence", 5, ""},
		{amd64.Table, "fcntl", 2, "F_SETFD"},
		{amd64.Table, "fcntl", 0x406, "F_DUPFD_CLOEXEC"},
		{amd64.Table, "fcntl", 5, "F_GETLK"},
		{amd64.Table386, "fcntl", 5, "F_GETLK"},
		{amd64.Table386, "fcntl", 12, "F_GETLK64"},
		{amd64.Table, "ioctl", 0x5401, "TCGETS"},
		{amd64.Table, "ioctl", 0x5413, "TIOCGWINSZ"},
		{amd64.Table, "ioctl", 0x541b, "FIONREAD"},
		{amd64.Table, "ioctl", 0x5451, "FIOCLEX"},
		{amd64.Table, "af", 1, "AF_UNIX"},
		{amd64.Table, "af", 10, "AF_INET6"},
		{amd64.Table, "rusage", 0xffffffff, "RUSAGE_CHILDREN"},
		{amd64.Table, "rusage", 0xffffffffffffffff, "RUSAGE_CHILDREN"},
		{amd64.Table, "rusage", 0xfffffffe, ""},
		{amd64.Table, "sighow", 2, "SIG_SETMASK"},
		{amd64.Table, "clockid", 1, "CLOCK_MONOTONIC"},
		{amd64.Table, "madvise", 4, "MADV_DONTNEED"},
		{amd64.Table, "rlimit", 7, "RLIMIT_NOFILE"},
		{amd64.Table, "arch_prctl", 0x1002, "ARCH_SET_FS"},
		{amd64.Table, "socketcall", 3, "SYS_CONNECT"},
		{amd64.Table, "prctl", 15, "PR_SET_NAME"},
		{amd64.Table, "ptrace", 16, "PTRACE_ATTACH"},
		{amd64.Table, "epoll_ctl", 1, "EPOLL_CTL_ADD"},
		{amd64.Table, "enum_big", 1 << 40, ""},
	}
	for _, c := range cases {
		set := c.tab.Set(c.set)
		if set == nil {
			if c.set != "enum_big" {
				t.Errorf("%v: no set %s", c.tab.ABI(), c.set)
			}
			continue
		}
		got, ok := set.Format(c.v)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%v: %s.Format(%#x) = %q, %v; want %q", c.tab.ABI(), c.set, c.v, got, ok, c.want)
		}
		prefix := []byte("x<")
		b, ok := set.AppendFormat(prefix, c.v)
		if string(b) != "x<"+c.want || ok != (c.want != "") {
			t.Errorf("%v: %s.AppendFormat(%#x) = %q, %v; want %q", c.tab.ABI(), c.set, c.v, b, ok, "x<"+c.want)
		}
	}
}

// TestFormatEverySet formats every member of every set alone and checks
// the result names something.
func TestFormatEverySet(t *testing.T) {
	for _, tab := range allTables {
		for _, s := range readSets(t) {
			vs := tab.Set(s.Name)
			if vs == nil {
				t.Errorf("%v: no set %s", tab.ABI(), s.Name)
				continue
			}
			for _, it := range s.Items {
				if it.IsField() {
					continue
				}
				v, ok := tab.Const(it.Name)
				if !ok {
					continue
				}
				if got, ok := vs.Format(v); !ok || got == "" {
					t.Errorf("%v: %s.Format(%s=%#x) = %q, %v", tab.ABI(), s.Name, it.Name, v, got, ok)
				}
			}
		}
	}
}

func BenchmarkAppendFormat(b *testing.B) {
	open := amd64.Table.Set("open")
	clone := amd64.Table.Set("clone")
	ioctl := amd64.Table.Set("ioctl")
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = open.AppendFormat(buf[:0], 0x80241)
		buf, _ = clone.AppendFormat(buf[:0], 0x1200011)
		buf, _ = ioctl.AppendFormat(buf[:0], 0x5413)
	}
}

func TestAppendFormatAllocs(t *testing.T) {
	open := amd64.Table.Set("open")
	clone := amd64.Table.Set("clone")
	ioctl := amd64.Table.Set("ioctl")
	buf := make([]byte, 0, 256)
	n := testing.AllocsPerRun(1000, func() {
		buf, _ = open.AppendFormat(buf[:0], 0x180241)
		buf, _ = clone.AppendFormat(buf[:0], 0x1200011|1<<40)
		buf, _ = ioctl.AppendFormat(buf[:0], 0x5413)
		_ = amd64.Table.Lookup(257)
		_ = amd64.Table.Lookup(9999)
		_ = arch.SignalName(40)
	})
	if n != 0 {
		t.Errorf("AppendFormat and Lookup allocate: %v allocs per run", n)
	}
}

func BenchmarkLookup(b *testing.B) {
	tab := amd64.Table
	b.ReportAllocs()
	var s *arch.Syscall
	for i := 0; b.Loop(); i++ {
		s = tab.Lookup(uint32(i & 511))
	}
	_ = s
}
