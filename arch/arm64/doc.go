// Package arm64 holds the Linux system call table of AArch64 machines. The
// table is generated (go generate ./arch/...) and compiles on every GOARCH,
// so traces recorded on arm64 decode anywhere.
package arm64
