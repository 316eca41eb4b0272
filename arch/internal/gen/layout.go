package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"path/filepath"
	"strconv"
)

// wantStructs lists the structures whose layouts the tables carry, by the
// C tag kdump knows them by and their x/sys type name.
var wantStructs = []struct{ cName, goName string }{
	{"stat", "Stat_t"},
	{"statx", "Statx_t"},
	{"timespec", "Timespec"},
	{"pollfd", "PollFd"},
	// Time, select, epoll and output-buffer structures (issue 12, time).
	{"timeval", "Timeval"},
	{"itimerspec", "ItimerSpec"},
	{"itimerval", "Itimerval"},
	{"epoll_event", "EpollEvent"},
	{"dirent64", "Dirent"},
}

// layoutField is one member of a generated layout: its x/sys name (with
// the names of the structs it is nested in: "Atim.Sec"), offset and size.
type layoutField struct {
	name      string
	off, size int
}

// layout is a structure's size and its named members.
type layout struct {
	cName  string
	size   int
	fields []layoutField
}

// structTypes returns the struct types the x/sys ztypes files of goarch
// declare, by name.
func structTypes(unixDir, goarch string) (map[string]*ast.StructType, error) {
	types := map[string]*ast.StructType{}
	for _, base := range []string{"ztypes_linux.go", "ztypes_linux_" + goarch + ".go"} {
		f, err := parseFile(filepath.Join(unixDir, base))
		if err != nil {
			return nil, err
		}
		for _, s := range specs(f, token.TYPE) {
			ts := s.(*ast.TypeSpec)
			if st, ok := ts.Type.(*ast.StructType); ok {
				types[ts.Name.Name] = st
			}
		}
	}
	return types, nil
}

// layoutCalc computes Go (and so C: x/sys writes the padding out)
// layouts of one ABI's x/sys struct types.
type layoutCalc struct {
	types   map[string]*ast.StructType
	align64 int // alignment of 64-bit integers: 4 on 386
}

// basicSizes are the sizes of the integer types x/sys uses in structs.
var basicSizes = map[string]int{
	"int8": 1, "uint8": 1, "byte": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
	"int64": 8, "uint64": 8,
}

// typeLayout returns the size and alignment of the type expr, and its
// members (prefixed with prefix) when it is a struct.
func (c *layoutCalc) typeLayout(expr ast.Expr, prefix string, base int, out *[]layoutField) (size, align int, err error) {
	switch t := expr.(type) {
	case *ast.Ident:
		if n, ok := basicSizes[t.Name]; ok {
			if n == 8 {
				return 8, c.align64, nil
			}
			return n, n, nil
		}
		st, ok := c.types[t.Name]
		if !ok {
			return 0, 0, fmt.Errorf("type %s: not an integer or a struct of ztypes", t.Name)
		}
		return c.structLayout(st, prefix, base, out)
	case *ast.ArrayType:
		lit, ok := t.Len.(*ast.BasicLit)
		if !ok {
			return 0, 0, fmt.Errorf("array length %T: not a number", t.Len)
		}
		n, err := strconv.Atoi(lit.Value)
		if err != nil {
			return 0, 0, fmt.Errorf("array length %s: %v", lit.Value, err)
		}
		size, align, err := c.typeLayout(t.Elt, "", 0, nil)
		return n * size, align, err
	}
	return 0, 0, fmt.Errorf("type %T: not supported", expr)
}

// structLayout lays out st's fields from base, appending the named ones.
func (c *layoutCalc) structLayout(st *ast.StructType, prefix string, base int, out *[]layoutField) (size, align int, err error) {
	off, maxAlign := 0, 1
	for _, f := range st.Fields.List {
		names := f.Names
		if len(names) == 0 {
			return 0, 0, fmt.Errorf("embedded field: not supported")
		}
		for _, n := range names {
			var sub []layoutField
			fsize, falign, err := c.typeLayout(f.Type, prefix+n.Name+".", 0, &sub)
			if err != nil {
				return 0, 0, fmt.Errorf("field %s: %w", n.Name, err)
			}
			off = (off + falign - 1) / falign * falign
			if n.Name != "_" && out != nil {
				if len(sub) > 0 {
					for _, s := range sub {
						s.off += base + off
						*out = append(*out, s)
					}
				} else {
					*out = append(*out, layoutField{prefix + n.Name, base + off, fsize})
				}
			}
			off += fsize
			maxAlign = max(maxAlign, falign)
		}
	}
	return (off + maxAlign - 1) / maxAlign * maxAlign, maxAlign, nil
}

// readLayouts returns the layouts of wantStructs on goarch.
func readLayouts(unixDir, goarch string) ([]layout, error) {
	types, err := structTypes(unixDir, goarch)
	if err != nil {
		return nil, err
	}
	c := &layoutCalc{types: types, align64: 8}
	if goarch == "386" {
		c.align64 = 4
	}
	var ls []layout
	for _, w := range wantStructs {
		st, ok := types[w.goName]
		if !ok {
			return nil, fmt.Errorf("x/sys %s: no type %s", goarch, w.goName)
		}
		l := layout{cName: w.cName}
		if l.size, _, err = c.structLayout(st, "", 0, &l.fields); err != nil {
			return nil, fmt.Errorf("x/sys %s: %s: %w", goarch, w.goName, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// writeLayouts writes the variable holding ls.
func writeLayouts(b *bytes.Buffer, a abiGen, ls []layout) {
	fmt.Fprintf(b, "\n// %sStructs holds the %s layouts of the structures kdump decodes, from\n// x/sys's ztypes.\nvar %sStructs = []arch.StructLayout{\n", a.prefix, a.short, a.prefix)
	for _, l := range ls { // a structure a line
		fmt.Fprintf(b, "{Name: %q, Size: %d, Fields: []arch.StructField{", l.cName, l.size)
		for i, f := range l.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "{Name: %q, Off: %d, Size: %d}", f.name, f.off, f.size)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n")
}
