package arch

// IsPointer reports whether arguments of kind k are pointers into the
// caller's memory (a path, a buffer, a structure, an array), so that 0
// is a NULL pointer rather than the number 0.
func (k ArgKind) IsPointer() bool {
	switch k {
	case ArgPath, ArgString, ArgBufIn, ArgBufOut, ArgIovIn, ArgIovOut, ArgMsgIn, ArgMsgOut,
		ArgSockaddr, ArgPtr, ArgArgv, ArgEnvp:
		return true
	}
	return k.IsStruct()
}
