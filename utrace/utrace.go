// Package utrace lets a Go program put records of its own into its ktrace
// trace, as utrace(2) does on the BSDs.
//
//	utrace.Record("phase", []byte("parsing done"))
//
// A program traced with ktrace -t u (u is in the default set) gets a USER
// record with the label and the data; kdump prints it as a USER line, and
// kdump -u LABEL shows only those of one label. Not traced, Record changes
// nothing and returns ENOSYS: the call's number is one no Linux kernel
// defines, so it costs one system call that the kernel turns down at once.
// utrace.h beside this file is the same for C.
package utrace

import (
	"syscall"
	"unsafe"
)

// Number is the system call number of utrace.
const Number = 0x6b7472 // "ktr"

// MaxLabel is the longest label recorded; a longer one is cut.
const MaxLabel = 20

// MaxData is the most data recorded; more is cut.
const MaxData = 2048

// Record asks ktrace for a USER record of label and data. It returns nil
// when the record was made, and syscall.ENOSYS when the program is not
// traced for USER records.
func Record(label string, data []byte) error {
	l := make([]byte, len(label)+1) // NUL-terminated
	copy(l, label)
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	_, _, e := syscall.Syscall(Number, uintptr(unsafe.Pointer(&l[0])), uintptr(p), uintptr(len(data)))
	if e != 0 {
		return e
	}
	return nil
}
