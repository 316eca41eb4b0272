package arch_test

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

func TestErrno(t *testing.T) {
	cases := []struct {
		e          int
		name, text string
	}{
		{1, "EPERM", "Operation not permitted"},
		{2, "ENOENT", "No such file or directory"},
		{4, "EINTR", "Interrupted system call"},
		{5, "EIO", "Input/output error"},
		{11, "EAGAIN", "Resource temporarily unavailable"},
		{13, "EACCES", "Permission denied"},
		{35, "EDEADLK", "Resource deadlock avoided"},
		{95, "EOPNOTSUPP", "Operation not supported"},
		{110, "ETIMEDOUT", "Connection timed out"},
		{117, "EUCLEAN", "Structure needs cleaning"},
		{133, "EHWPOISON", "Memory page has hardware error"},
		{512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"},
		{513, "ERESTARTNOINTR", "To be restarted"},
		{514, "ERESTARTNOHAND", "To be restarted if no handler"},
		{515, "ENOIOCTLCMD", "No ioctl command"},
		{516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"},
		{517, "EPROBE_DEFER", "Driver requests probe retry"},
		{518, "EOPENSTALE", "Open found a stale dentry"},
		{519, "ENOPARAM", "Parameter not supported"},
		{524, "ENOTSUPP", "Operation is not supported"},
		{0, "", ""},
		{-1, "", ""},
		{134, "", ""},
		{520, "", ""},
		{4095, "", ""},
	}
	for _, c := range cases {
		if got := arch.ErrnoName(c.e); got != c.name {
			t.Errorf("ErrnoName(%d) = %q, want %q", c.e, got, c.name)
		}
		if got := arch.ErrnoText(c.e); got != c.text {
			t.Errorf("ErrnoText(%d) = %q, want %q", c.e, got, c.text)
		}
		if c.name != "" {
			if n, ok := arch.ErrnoNumber(c.name); !ok || n != c.e {
				t.Errorf("ErrnoNumber(%q) = %d, %v; want %d", c.name, n, ok, c.e)
			}
		}
		if got, want := arch.IsRestart(c.e), c.e >= 512 && c.e <= 516; got != want {
			t.Errorf("IsRestart(%d) = %v", c.e, got)
		}
	}
	for name, want := range map[string]int{"EWOULDBLOCK": 11, "EDEADLOCK": 35, "ENOTSUP": 95, "EFSCORRUPTED": 117} {
		if n, ok := arch.ErrnoNumber(name); !ok || n != want {
			t.Errorf("ErrnoNumber(%q) = %d, %v; want %d", name, n, ok, want)
		}
	}
	if _, ok := arch.ErrnoNumber("ENOSUCH"); ok {
		t.Error("ErrnoNumber(ENOSUCH) found")
	}
	for e := 1; e <= 133; e++ {
		if arch.ErrnoName(e) == "" && e != 41 && e != 58 { // 41, 58: unused
			t.Errorf("errno %d has no name", e)
		}
	}
}

func TestSignals(t *testing.T) {
	cases := []struct {
		sig  int
		name string
	}{
		{1, "SIGHUP"}, {2, "SIGINT"}, {9, "SIGKILL"}, {10, "SIGUSR1"}, {11, "SIGSEGV"},
		{17, "SIGCHLD"}, {29, "SIGIO"}, {31, "SIGSYS"},
		{32, "SIGRTMIN"}, {33, "SIGRTMIN+1"}, {34, "SIGRTMIN+2"}, {63, "SIGRTMIN+31"}, {64, "SIGRTMAX"},
		{0, ""}, {65, ""}, {-1, ""},
	}
	for _, c := range cases {
		if got := arch.SignalName(c.sig); got != c.name {
			t.Errorf("SignalName(%d) = %q, want %q", c.sig, got, c.name)
		}
		if c.name != "" {
			if n, ok := arch.SignalNumber(c.name); !ok || n != c.sig {
				t.Errorf("SignalNumber(%q) = %d, %v; want %d", c.name, n, ok, c.sig)
			}
		}
	}
	for name, want := range map[string]int{
		"INT": 2, "SIGINT": 2, "sigint": 2, "term": 15, "SIGIOT": 6, "IOT": 6, "SIGPOLL": 29, "CLD": 17,
		"RTMIN": 32, "SIGRTMIN+3": 35, "SIGRTMAX-1": 63, "RTMAX": 64, "SIGRTMIN+32": 64,
	} {
		if n, ok := arch.SignalNumber(name); !ok || n != want {
			t.Errorf("SignalNumber(%q) = %d, %v; want %d", name, n, ok, want)
		}
	}
	for _, bad := range []string{"", "SIG", "FOO", "SIGRTMIN-1", "SIGRTMAX+1", "SIGRTMIN+33", "SIGRTMIN+", "SIGRTMIN++1", "SIGRTMIN+x"} {
		if n, ok := arch.SignalNumber(bad); ok {
			t.Errorf("SignalNumber(%q) = %d, want not found", bad, n)
		}
	}
}

func TestSigCodeName(t *testing.T) {
	cases := []struct {
		sig, code int
		want      string
	}{
		{2, 0, "SI_USER"},
		{11, 0x80, "SI_KERNEL"},
		{10, -1, "SI_QUEUE"},
		{14, -2, "SI_TIMER"},
		{10, -3, "SI_MESGQ"},
		{10, -4, "SI_ASYNCIO"},
		{29, -5, "SI_SIGIO"},
		{10, -6, "SI_TKILL"},
		{17, 1, "CLD_EXITED"},
		{17, 2, "CLD_KILLED"},
		{17, 3, "CLD_DUMPED"},
		{17, 4, "CLD_TRAPPED"},
		{17, 5, "CLD_STOPPED"},
		{17, 6, "CLD_CONTINUED"},
		{11, 1, "SEGV_MAPERR"},
		{11, 2, "SEGV_ACCERR"},
		{7, 2, "BUS_ADRERR"},
		{4, 1, "ILL_ILLOPC"},
		{8, 1, "FPE_INTDIV"},
		{5, 1, "TRAP_BRKPT"},
		{29, 1, "POLL_IN"},
		{31, 1, "SYS_SECCOMP"},
		{2, 1, "1"},
		{17, 7, "7"},
		{8, 10, "10"},
		{11, -99, "-99"},
	}
	for _, c := range cases {
		if got := arch.SigCodeName(c.sig, c.code); got != c.want {
			t.Errorf("SigCodeName(%d, %d) = %q, want %q", c.sig, c.code, got, c.want)
		}
	}
}

func TestABINames(t *testing.T) {
	for _, abi := range []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64} {
		if got, ok := arch.ParseABI(abi.String()); !ok || got != abi {
			t.Errorf("ParseABI(%q) = %v, %v", abi.String(), got, ok)
		}
	}
}
