// Package tables maps an ABI to its system call table.
package tables

import (
	"runtime"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
)

// For returns the system call table of abi, or nil if ktrace has none.
func For(abi arch.ABI) *arch.Table {
	switch abi {
	case arch.ABIAmd64:
		return amd64.Table
	case arch.ABII386:
		return amd64.Table386
	case arch.ABIArm64:
		return arm64.Table
	}
	return nil
}

// Native returns the table of the native ABI of the machine the program
// runs on (runtime.GOARCH amd64 or arm64), or nil on other machines.
func Native() *arch.Table {
	return For(nativeMachine(runtime.GOARCH).NativeABI())
}

// nativeMachine returns the Machine of a GOARCH.
func nativeMachine(goarch string) arch.Machine {
	switch goarch {
	case "amd64":
		return arch.MachineAmd64
	case "arm64":
		return arch.MachineArm64
	}
	return arch.MachineUnknown
}
