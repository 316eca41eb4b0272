// Package version tells which ktrace and kdump these are: the version of
// the module they were built from and the version of the trace format they
// write and read.
//
// The module version comes, in order, from the linker,
//
//	go build -ldflags '-X github.com/ktrace-linux/ktrace/internal/version.version=v0.1.0' ./cmd/...
//
// as make release sets it, from the build information the go command
// stamps into every binary (a tag or pseudo-version when built in a git
// checkout), and otherwise is Devel.
package version

import (
	"fmt"
	"runtime/debug"

	"github.com/ktrace-linux/ktrace/format"
)

// version is set at link time with -X; empty means not set.
var version string

// Devel is the module version of a binary built without any version
// information (no -X, no version control stamp).
const Devel = "devel"

// Format is the trace file format version the binaries write (ktrace -a
// onto a version 1 file keeps writing version 1), and the newest kdump
// reads: it reads every version from 1 on.
const Format = format.Version

// Module returns the module version: the one set at link time, else the
// one in the binary's build information, else Devel.
func Module() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		return fromBuildInfo(bi)
	}
	return Devel
}

// fromBuildInfo returns the main module's version in bi, or Devel when the
// go command recorded none ("" or "(devel)").
func fromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return Devel
}

// String returns the line --version prints for the program prog, such as
// "ktrace version v0.1.0 (trace format 2)".
func String(prog string) string {
	return fmt.Sprintf("%s version %s (trace format %d)", prog, Module(), Format)
}
