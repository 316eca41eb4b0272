package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// decodeStatfs decodes struct statfs (statfs, fstatfs; i386's statfs64
// and fstatfs64) in the ABI's generated layout, x/sys's Statfs_t:
// f_type by the file system's magic, the counts, f_fsid's two words,
// f_namelen, f_frsize and f_flags by the ST_* flags, as strace shows
// them.
func decodeStatfs(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "statfs")
	if l == nil || len(data) != l.Size {
		return false
	}
	typ := fieldOf(l, "Type")
	w.enumSet("f_type", abi, "statfs_magic", int64(uint32(typ.get(data))), typ.size)
	for _, f := range [...]struct{ name, member string }{
		{"f_bsize", "Bsize"}, {"f_blocks", "Blocks"}, {"f_bfree", "Bfree"}, {"f_bavail", "Bavail"},
		{"f_files", "Files"}, {"f_ffree", "Ffree"},
	} {
		fl := fieldOf(l, f.member)
		w.uint(f.name, fl.get(data), fl.size)
	}
	fsid := fieldOf(l, "Fsid.Val")
	if fsid.size == 8 {
		w.sub("f_fsid")
		w.key("val")
		a, b := int64(int32(le.Uint32(data[fsid.off:]))), int64(int32(le.Uint32(data[fsid.off+4:])))
		w.b = append(w.b, '[')
		w.b = strconv.AppendInt(w.b, a, 10)
		w.b = append(w.b, ',')
		if !w.json {
			w.b = append(w.b, ' ')
		}
		w.b = strconv.AppendInt(w.b, b, 10)
		w.b = append(w.b, ']')
		w.endSub()
		w.nested = false
	}
	for _, f := range [...]struct{ name, member string }{{"f_namelen", "Namelen"}, {"f_frsize", "Frsize"}} {
		fl := fieldOf(l, f.member)
		w.uint(f.name, fl.get(data), fl.size)
	}
	fl := fieldOf(l, "Flags")
	w.flags("f_flags", tables.For(abi), "statfs_flags", fl.get(data), fl.size)
	return true
}
