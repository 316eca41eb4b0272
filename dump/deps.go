package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Dependent arguments (arch.Dependent, arch/depends.txt): arguments and
// results whose meaning depends on another argument's value, printed by
// the kind the selector gives them: fcntl(3,F_SETFL,0x802<O_RDWR|
// O_NONBLOCK>), "RET fcntl 0x8002<O_RDWR|O_LARGEFILE>" for F_GETFL,
// setsockopt(3,SOL_TCP,TCP_NODELAY,...).

// depFind returns the case c's selector arguments pick, if sc has
// dependent arguments.
func depFind(sc *arch.Syscall, c *format.Call) arch.DepMatch {
	if sc == nil || sc.Dep == nil || !sc.Known {
		return arch.DepMatch{}
	}
	return sc.Dep.Find(&c.Args)
}

// callArg returns how argument i of a call of sc prints: by the kind the
// case m gives it, else by its signature.
func callArg(sc *arch.Syscall, m arch.DepMatch, i int) arch.Arg {
	if a := m.Arg(i); a != nil {
		return a.Arg
	}
	return argOf(sc, i)
}

// depCall is the call a thread is in whose arguments select others.
type depCall struct {
	abi  arch.ABI
	call format.Call
}

// depCalls remembers the last such call of each thread, until its RET,
// to decode the result (fcntl F_GETFL's open flags). Entries are kept
// for reuse: a thread's next call replaces or deletes its entry.
type depCalls map[int32]depCall

// called notes the CALL c of thread tid, of sc.
func (d *depCalls) called(tid int32, abi arch.ABI, sc *arch.Syscall, c *format.Call) {
	if sc == nil || sc.Dep == nil {
		if len(*d) > 0 {
			delete(*d, tid)
		}
		return
	}
	if *d == nil {
		*d = depCalls{}
	}
	(*d)[tid] = depCall{abi, *c}
}

// retArg returns how the result r of thread tid reads, by the call it
// returns from, or nil.
func (d depCalls) retArg(tid int32, abi arch.ABI, r *format.Ret, tabs *tableCache) (*arch.DepArg, *arch.Table) {
	dc, ok := d[tid]
	if !ok || dc.abi != abi || dc.call.Number != r.Number || r.Error != 0 {
		return nil, nil
	}
	sc := tabs.lookup(abi, r.Number)
	return depFind(sc, &dc.call).Ret(), tabs.get(abi)
}

// appendDepRet appends the result v decoded as a of table tab: flags
// as 0x8002<O_RDWR|O_LARGEFILE>, an enum's or signal's name; it reports
// false, appending nothing, when a has no names for v (plain numbers
// print as any result does).
func appendDepRet(b []byte, tab *arch.Table, a *arch.DepArg, v uint64, o *Options) ([]byte, bool) {
	if a == nil || o.Raw {
		return b, false
	}
	v = a.Arg.Value(tableABI(tab), v)
	mark := len(b)
	switch a.Arg.Kind {
	case arch.ArgFlags:
		if set := tableSet(tab, a.Arg.Set); set != nil {
			b = appendCHex(b, v)
			b = append(b, '<')
			var ok bool
			if b, ok = set.AppendFormat(b, v); ok {
				return append(b, '>'), true
			}
		}
	case arch.ArgEnum:
		if set := tableSet(tab, a.Arg.Set); set != nil {
			var ok bool
			if b, ok = set.AppendFormat(b, v); ok {
				return b, true
			}
		}
	case arch.ArgSignal:
		if name := arch.SignalName(int(int32(v))); name != "" {
			return append(b, name...), true
		}
	}
	return b[:mark], false
}

// appendDepResult appends a result of --calls decoded as strace shows
// it: "0x8002 (flags O_RDWR|O_LARGEFILE)", "1 (F_WRLCK)"; false when a
// does not decode v.
func appendDepResult(b []byte, tab *arch.Table, a *arch.DepArg, v uint64, o *Options) ([]byte, bool) {
	if a == nil || o.Raw {
		return b, false
	}
	mark := len(b)
	if a.Arg.Kind == arch.ArgFlags {
		b = appendCHex(b, v)
		b = append(b, " (flags "...)
	} else {
		b = strconv.AppendInt(b, int64(v), 10)
		b = append(b, " ("...)
	}
	names := len(b)
	b, ok := appendDepRet(b, tab, a, v, o)
	if !ok {
		return b[:mark], false
	}
	if a.Arg.Kind == arch.ArgFlags { // the names without the hex and brackets
		text := b[names:]
		if i := indexByte(text, '<'); i >= 0 && text[len(text)-1] == '>' {
			n := copy(b[names:], text[i+1:len(text)-1])
			b = b[:names+n]
		}
	}
	return append(b, ')'), true
}

// appendDepStructArg appends a dependent structure argument of oc for
// --calls: its STRU record in place of the pointer, and for a structure
// read and updated (struct flock of F_GETLK) the one the kernel wrote
// after " => ". It reports false when no record of the structure came
// (yet, or a NULL pointer).
func (c *Calls) appendDepStructArg(b []byte, oc *openCall, da *arch.DepArg, cur *argCursor) ([]byte, bool) {
	name := da.Struct.Name
	if cur.structs >= len(oc.structs) || string(oc.structs[cur.structs].name) != name {
		return b, false
	}
	cur.structs++
	b = c.appendStructArg(b, &oc.structs[cur.structs-1], oc.hdr.ABI)
	if da.Struct.Dir == arch.StructIn|arch.StructOut && cur.structs < len(oc.structs) &&
		string(oc.structs[cur.structs].name) == name {
		cur.structs++
		b = append(b, " => "...)
		b = c.appendStructArg(b, &oc.structs[cur.structs-1], oc.hdr.ABI)
	}
	return b, true
}

// appendCallResult appends the result of oc, decoded by its selector
// arguments when they give it a kind, else as appendResult does.
func (c *Calls) appendCallResult(b []byte, oc *openCall, r *format.Ret) []byte {
	if r != nil && r.Error == 0 && oc.entered && !c.opts.Raw {
		sc := c.tabs.lookup(oc.hdr.ABI, oc.call.Number)
		if da := depFind(sc, &oc.call).Ret(); da != nil {
			var ok bool
			if b, ok = appendDepResult(b, c.tabs.get(oc.hdr.ABI), da, uint64(r.Value), &c.opts); ok {
				return b
			}
		}
	}
	return c.appendResult(b, r)
}
