package arch

import (
	"fmt"
	"strings"
)

// depStruct is a structure a dependent argument points to (depends.txt):
// the STRU record's name, how its size on an ABI is found and which way
// it goes.
type depStruct struct {
	name string
	dir  StructDir
	// layout names the generated layout the size comes from; until, when
	// set, the member the structure ends before (the kernel's struct
	// termios is x/sys's Termios, struct termios2, without its speeds).
	layout, until string
	// size is the size when there is no layout; i386, when not 0, the
	// size on i386 (whose struct flock has 32-bit offsets).
	size, i386 int
	isString   bool
}

// depStructs are the structures of depends.txt by the name its kinds
// start with (termios_out: termios). Sizes are those of the kernel's
// UAPI structures: include/uapi/asm-generic/termbits.h (struct termios,
// 36 bytes on the three ABIs, NCCS 19, not glibc's 60-byte one),
// include/uapi/asm-generic/fcntl.h (struct flock: i386's compat_flock
// has 32-bit l_start and l_len, 16 bytes; struct flock64 is x/sys's
// Flock_t everywhere), linux/socket.h (struct linger) and
// TASK_COMM_LEN for a thread's name.
var depStructs = map[string]depStruct{
	"termios":  {name: "termios", layout: "termios", until: "Ispeed"},
	"termios2": {name: "termios2", layout: "termios"},
	"winsize":  {name: "winsize", layout: "winsize"},
	"flock":    {name: "flock", layout: "flock", i386: 16},
	"flock64":  {name: "flock", layout: "flock"},
	"linger":   {name: "linger", layout: "linger"},
	"timeval":  {name: "timeval", layout: "timeval"},
	"int":      {name: "int", size: 4},
	"name":     {name: "name", size: 16, isString: true},
	// A signal number in an int (issue 12, polish).
	"signal": {name: "signal", size: 4},
}

// parseDepStruct parses a structure kind of depends.txt: a name of
// depStructs and _in, _out or _inout.
func parseDepStruct(kind string) (*depStruct, error) {
	i := strings.LastIndexByte(kind, '_')
	if i < 0 {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	ds, ok := depStructs[kind[:i]]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	switch kind[i+1:] {
	case "in":
		ds.dir = StructIn
	case "out":
		ds.dir = StructOut
	case "inout":
		ds.dir = StructIn | StructOut
	default:
		return nil, fmt.Errorf("kind %q: want %s_in, _out or _inout", kind, kind[:i])
	}
	return &ds, nil
}

// structArg returns the structure as the tracer records it on t's ABI,
// with a length argument of len (-1: none), or nil when t has no layout
// for it.
func (ds *depStruct) structArg(t *Table, lenArg int8) *StructArg {
	size := ds.size
	switch {
	case ds.i386 != 0 && t.abi == ABII386:
		size = ds.i386
	case ds.layout != "":
		l := t.Struct(ds.layout)
		if l == nil {
			return nil
		}
		size = l.Size
		if ds.until != "" {
			f := l.Field(ds.until)
			if f.Size == 0 {
				return nil
			}
			size = f.Off
		}
	}
	st := &StructArg{Name: ds.name, Dir: ds.dir}
	if lenArg >= 0 {
		st.Len = LenValue
		if ds.dir&StructOut != 0 {
			st.Len = LenPointer
		}
	}
	if t.abi < abiCount {
		st.Size[t.abi] = uint16(size)
	}
	return st
}
