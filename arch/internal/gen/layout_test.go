package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"
)

// TestStructLayout lays out a struct with padding, a nested struct and an
// array, with 64-bit integers aligned to 8 (amd64, arm64) and to 4 (386).
func TestStructLayout(t *testing.T) {
	src := `package p
type T struct {
	A  uint16
	_  [2]byte
	B  int64
	Ts Pair
	C  uint8
}
type Pair struct {
	Sec  int64
	Nsec int32
}`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]*ast.StructType{}
	for _, s := range specs(f, token.TYPE) {
		ts := s.(*ast.TypeSpec)
		types[ts.Name.Name] = ts.Type.(*ast.StructType)
	}
	for _, c := range []struct {
		align64 int
		size    int
		fields  []layoutField
	}{
		{8, 40, []layoutField{{"A", 0, 2}, {"B", 8, 8}, {"Ts.Sec", 16, 8}, {"Ts.Nsec", 24, 4}, {"C", 32, 1}}},
		{4, 28, []layoutField{{"A", 0, 2}, {"B", 4, 8}, {"Ts.Sec", 12, 8}, {"Ts.Nsec", 20, 4}, {"C", 24, 1}}},
	} {
		calc := &layoutCalc{types: types, align64: c.align64}
		var got []layoutField
		size, _, err := calc.structLayout(types["T"], "", 0, &got)
		if err != nil {
			t.Fatal(err)
		}
		if size != c.size || !reflect.DeepEqual(got, c.fields) {
			t.Errorf("align64 %d: size %d fields %v, want %d %v", c.align64, size, got, c.size, c.fields)
		}
	}
	ptrs, _ := parser.ParseExpr("struct{ P *int; N uint32; Q *byte }")
	for _, c := range []struct {
		ptrSize, size int
		fields        []layoutField
	}{
		{8, 24, []layoutField{{"P", 0, 8}, {"N", 8, 4}, {"Q", 16, 8}}},
		{4, 12, []layoutField{{"P", 0, 4}, {"N", 4, 4}, {"Q", 8, 4}}},
	} {
		calc := &layoutCalc{types: types, align64: c.ptrSize, ptrSize: c.ptrSize}
		var got []layoutField
		size, _, err := calc.structLayout(ptrs.(*ast.StructType), "", 0, &got)
		if err != nil || size != c.size || !reflect.DeepEqual(got, c.fields) {
			t.Errorf("pointers of %d bytes: size %d fields %v (%v), want %d %v", c.ptrSize, size, got, err, c.size, c.fields)
		}
	}
	calc := &layoutCalc{types: types, align64: 8}
	bad, _ := parser.ParseExpr("struct{ P *int }")
	if _, _, err := calc.structLayout(bad.(*ast.StructType), "", 0, nil); err == nil {
		t.Error("a pointer field without a pointer size: no error")
	}
}
