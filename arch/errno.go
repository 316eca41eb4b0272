package arch

// Errno numbers are the same on every ABI ktrace knows (amd64, i386 and
// arm64 all use the asm-generic numbering). Names and texts of the ones
// user space sees are generated from golang.org/x/sys/unix into
// zerrno_gen.go; the kernel-internal codes below never reach a process but
// are seen by a tracer at system call exit.

// kernelErrnos are the kernel-internal error codes of include/linux/errno.h,
// by number less 512, with the short descriptions strace uses.
var kernelErrnos = [...]struct{ name, text string }{
	0:  {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},                 // 512
	1:  {"ERESTARTNOINTR", "To be restarted"},                                   // 513
	2:  {"ERESTARTNOHAND", "To be restarted if no handler"},                     // 514
	3:  {"ENOIOCTLCMD", "No ioctl command"},                                     // 515
	4:  {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},                      // 516
	5:  {"EPROBE_DEFER", "Driver requests probe retry"},                         // 517
	6:  {"EOPENSTALE", "Open found a stale dentry"},                             // 518
	7:  {"ENOPARAM", "Parameter not supported"},                                 // 519
	9:  {"EBADHANDLE", "Illegal NFS file handle"},                               // 521
	10: {"ENOTSYNC", "Update synchronization mismatch"},                         // 522
	11: {"EBADCOOKIE", "Cookie is stale"},                                       // 523
	12: {"ENOTSUPP", "Operation is not supported"},                              // 524
	13: {"ETOOSMALL", "Buffer or request is too small"},                         // 525
	14: {"ESERVERFAULT", "An untranslatable error occurred"},                    // 526
	15: {"EBADTYPE", "Type not supported by server"},                            // 527
	16: {"EJUKEBOX", "Request initiated, but will not complete before timeout"}, // 528
	17: {"EIOCBQUEUED", "iocb queued, will get completion event"},               // 529
	18: {"ERECALLCONFLICT", "Conflict with recalled state"},                     // 530
	19: {"ENOGRACE", "NFS file lock reclaim refused"},                           // 531
}

// errnoEntry returns the name and text of errno e.
func errnoEntry(e int) (name, text string) {
	switch {
	case e > 0 && e < len(errnoTable):
		return errnoTable[e].name, errnoTable[e].text
	case e >= 512 && e-512 < len(kernelErrnos):
		return kernelErrnos[e-512].name, kernelErrnos[e-512].text
	}
	return "", ""
}

// ErrnoName returns the symbolic name of errno e ("ENOENT" for 2), including
// the kernel-internal codes from 512 on (ERESTARTSYS), or "" if e is not
// known.
func ErrnoName(e int) string {
	name, _ := errnoEntry(e)
	return name
}

// ErrnoText returns the glibc strerror text of errno e ("No such file or
// directory" for 2), a short description for the kernel-internal codes, or
// "" if e is not known.
func ErrnoText(e int) string {
	_, text := errnoEntry(e)
	return text
}

// IsRestart reports whether e is one of the kernel's system call restart
// codes (ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ENOIOCTLCMD,
// ERESTART_RESTARTBLOCK: 512 to 516). A process never sees them; the call
// is restarted or fails with EINTR.
func IsRestart(e int) bool {
	return e >= 512 && e <= 516
}

// ErrnoNumber returns the number of the errno called name ("ENOENT"),
// accepting aliases such as EWOULDBLOCK and the kernel-internal names.
func ErrnoNumber(name string) (int, bool) {
	if n, ok := errnoNumbers[name]; ok {
		return n, true
	}
	for i, k := range kernelErrnos {
		if k.name != "" && k.name == name {
			return 512 + i, true
		}
	}
	return 0, false
}
