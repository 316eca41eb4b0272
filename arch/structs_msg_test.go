package arch

import "testing"

// TestStructLensDistinct: the StructLen values, declared in several
// files, are all different (the tracer dispatches on them).
func TestStructLensDistinct(t *testing.T) {
	seen := map[StructLen]string{}
	for _, l := range []struct {
		v    StructLen
		name string
	}{
		{LenFixed, "LenFixed"}, {LenValue, "LenValue"}, {LenPointer, "LenPointer"}, {LenCount, "LenCount"},
		{LenBits, "LenBits"}, {LenRet, "LenRet"}, {LenString, "LenString"}, {LenMsghdr, "LenMsghdr"},
	} {
		if o, ok := seen[l.v]; ok {
			t.Errorf("%s and %s are both %d", o, l.name, l.v)
		}
		seen[l.v] = l.name
	}
}
