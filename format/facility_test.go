package format

import "testing"

func TestParseFacilities(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Facilities
	}{
		{"c", FacSyscall}, {"cn", FacSyscall | FacNamei}, {"+", FacDefault},
		{"+wX", FacDefault | FacCsw | FacEnv}, {"x", FacArgs}, {"X", FacEnv}, {"xX", FacArgs | FacEnv},
	} {
		got, err := ParseFacilities(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseFacilities(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if FacDefault.String() != "cnisutx" {
		t.Errorf("default set = %q, want cnisutx", FacDefault)
	}
	for _, bad := range []string{"", "q", "c-", "cC", "z"} {
		if _, err := ParseFacilities(bad); err == nil {
			t.Errorf("ParseFacilities(%q) succeeded", bad)
		}
	}
	if f := ExplicitFacilities("+w"); f != FacCsw {
		t.Errorf("ExplicitFacilities(+w) = %v, want w", f)
	}
}

func TestTypeFacility(t *testing.T) {
	for typ, want := range map[Type]Facilities{
		TypeCall: FacSyscall, TypeRet: FacSyscall, TypeEmul: FacSyscall, TypeNamei: FacNamei,
		TypeGenio: FacGenio, TypePsig: FacPsig, TypeCsw: FacCsw, TypeUser: FacUser,
		TypeStruct: FacStruct, TypeArgs: FacArgs, TypeEnvs: FacEnv, TypeLost: 0, TypeStart: 0, Type(999): 0,
	} {
		if got := typ.Facility(); got != want {
			t.Errorf("%v.Facility() = %v, want %v", typ, got, want)
		}
	}
}
