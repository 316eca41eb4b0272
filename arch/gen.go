package arch

// The per-ABI tables (arch/amd64, arch/arm64) and the errno and signal
// tables (zerrno_gen.go) are generated from golang.org/x/sys/unix and the
// data files syscalls.txt, sets.txt and depends.txt.
//go:generate go run ./internal/gen
