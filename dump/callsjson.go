package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/format"
)

// appendCallJSON appends the JSON object of a call (see the package
// documentation and docs/schema/kdump-call.json): the header of its
// CALL, its arguments raw and decoded, its paths, data and structures,
// its result (r, from record ret; nil when none was seen) and duration.
func (c *Calls) appendCallJSON(b []byte, oc *openCall, r *format.Ret, ret *format.Record) []byte {
	j := c.jsonHelper()
	h := &oc.hdr
	b = append(b, `{"offset":`...)
	b = strconv.AppendInt(b, oc.offset, 10)
	b = appendJSONHeader(b, h)
	sc := c.tabs.lookup(h.ABI, oc.call.Number)
	b = append(b, `,"syscall":"`...)
	b = appendSyscallName(b, sc, oc.call.Number, &Options{})
	b = append(b, `","number":`...)
	b = strconv.AppendUint(b, uint64(oc.call.Number), 10)
	b = append(b, `,"entered":`...)
	b = strconv.AppendBool(b, oc.entered)
	b = append(b, `,"args":[`...)
	for i := 0; i < oc.call.NArg; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONUint(b, oc.call.Args[i])
	}
	b = append(b, `],"decoded":[`...)
	if oc.entered {
		tab := c.tabs.get(h.ABI)
		n := callArgCount(sc, tab, &oc.call, &c.opts)
		var cur argCursor
		for i := 0; i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			s, known := c.appendCallArg(c.scratch[:0], oc, tab, sc, i, &cur)
			if !known {
				s = appendArg(s[:0], tab, callArg(sc, depFind(sc, &oc.call), i), oc.call.Args[i], &c.opts)
			}
			c.scratch = s
			b = appendJSONString(b, s)
		}
	}
	b = append(b, ']')
	b = appendCallFDNames(b, oc, r)
	b = append(b, `,"text":`...)
	s := appendSyscallName(c.scratch[:0], sc, oc.call.Number, &c.opts)
	s = append(s, '(')
	s, _ = c.appendArgs(s, oc, false)
	c.scratch = append(s, ')')
	b = appendJSONString(b, c.scratch)
	b = append(b, `,"paths":[`...)
	for i, p := range oc.paths {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p)
	}
	b = append(b, `],"io":[`...)
	for i := range oc.io {
		io := &oc.io[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONTransfer(append(b, '{'), io.fd, io.dir, io.len)
		b = append(b, `,"captured":`...)
		b = strconv.AppendInt(b, int64(io.captured), 10)
		if !c.opts.NoData {
			b = j.appendJSONShown(b, io.data)
		}
		b = appendJSONFlags(b, io.flags)
		b = append(b, '}')
	}
	b = append(b, `],"structs":[`...)
	for i := range oc.structs {
		st := &oc.structs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, st.name)
		b = j.appendJSONData(b, st.data)
		var ok bool
		if c.scratch, ok = appendStruct(c.scratch[:0], st.name, h.ABI, st.data, &c.opts); ok {
			b = append(b, `,"decoded":`...)
			b = appendJSONString(b, c.scratch)
			b, _ = appendStructJSON(append(b, `,"members":`...), st.name, h.ABI, st.data, &c.opts)
		}
		b = appendJSONFlags(b, st.flags)
		b = append(b, '}')
	}
	b = append(b, ']')
	if oc.hasArgv {
		b = append(b, `,"argv":[`...)
		for i, a := range oc.argv {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, a)
		}
		b = append(b, ']')
	}
	if oc.hasEnvs {
		b = append(b, `,"envc":`...)
		b = strconv.AppendInt(b, int64(oc.envc), 10)
	}
	b = append(b, `,"returned":`...)
	b = strconv.AppendBool(b, r != nil)
	if r != nil {
		b = appendJSONResult(b, r)
		if oc.entered {
			b = appendJSONTime(b, `,"duration":`, ret.Time-h.Time)
		}
	}
	return append(b, "}\n"...)
}

// appendCallFDNames appends the "fd_names" of a call (-y): what its
// descriptor arguments referred to at the CALL, and its result.
func appendCallFDNames(b []byte, oc *openCall, r *format.Ret) []byte {
	var vals [7]uint64
	var names [7]string
	if oc.fdNames != nil {
		copy(vals[:], oc.call.Args[:])
		copy(names[:], oc.fdNames[:])
	}
	if r != nil {
		vals[6], names[6] = uint64(r.Value), oc.retName
	}
	return appendJSONFDNames(b, vals[:], names[:])
}

// appendJSONFlags appends the record flags as JSON booleans.
func appendJSONFlags(b []byte, f format.Flags) []byte {
	for _, fl := range flagNames {
		if f&fl.flag != 0 {
			b = append(b, fl.name...)
		}
	}
	return b
}

// jsonHelper returns a JSON renderer sharing c's output, for its data
// fields.
func (c *Calls) jsonHelper() *JSON {
	if c.j == nil {
		c.j = &JSON{w: c.w, opts: c.opts}
	}
	return c.j
}
