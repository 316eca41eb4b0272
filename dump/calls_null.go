package dump

import "github.com/ktrace-linux/ktrace/arch"

// isNullArg reports whether argument i of a call, of the argument
// description a, is a NULL pointer that --calls shows as "NULL", as
// strace does: a pointer kind holding 0. A structure read only for some
// values of another argument (futex's timeout) is a pointer only then;
// else it is a plain number.
func isNullArg(a arch.Arg, args []uint64, i int) bool {
	if i >= len(args) || args[i] != 0 || !a.Kind.IsPointer() {
		return false
	}
	if st := arch.StructArgOf(a.Kind); st != nil && st.If != nil {
		return a.Len >= 0 && int(a.Len) < len(args) && st.If.Holds(args[a.Len])
	}
	return true
}
