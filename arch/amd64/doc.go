// Package amd64 holds the Linux system call tables of x86-64 machines:
// Table for native 64-bit calls and Table386 for the 32-bit calls (int 0x80,
// sysenter) a process on amd64 can make. The tables are generated (go
// generate ./arch/...) and compile on every GOARCH, so traces recorded on
// amd64 decode anywhere.
package amd64
