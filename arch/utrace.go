package arch

import "github.com/ktrace-linux/ktrace/utrace"

// UtraceNumber is the system call number of ktrace's utrace: a traced
// program asks for a USER record with utrace(label, addr, len), as on
// OpenBSD. No Linux ABI defines the number (every table ends far below
// it, and it is below amd64's x32 bit), so untraced the call fails with
// ENOSYS and does nothing; a tracer recording USER records (ktrace -t u)
// writes the record and makes the call return 0. The C header and the Go
// package in utrace/ wrap it.
const UtraceNumber = utrace.Number

// MaxUtraceLabel is the longest utrace label recorded, OpenBSD's
// KTR_USER_MAXIDLEN.
const MaxUtraceLabel = utrace.MaxLabel
