package tracer

import (
	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// utrace writes the USER record th asks for with the utrace call
// (arch.UtraceNumber): utrace(label, addr, len) records the NUL-terminated
// label (at most arch.MaxUtraceLabel bytes) and len bytes at addr (at most
// format.MaxUserData; a longer one is cut).
func (t *Tracer) utrace(th *thread) {
	var flags format.Flags
	label, cut, unreadable := t.mem.readString(th.tid, th.args[0], t.pathBuf[:arch.MaxUtraceLabel+1])
	if cut {
		label = label[:arch.MaxUtraceLabel]
		flags |= format.FlagCut
	}
	if unreadable && th.args[0] != 0 {
		flags |= format.FlagUnreadable
	}
	n := th.args[2]
	if n > format.MaxUserData {
		n = format.MaxUserData
		flags |= format.FlagCut
	}
	data := t.dataBuffer(int(n))
	if n > 0 {
		got, err := t.mem.read(th.tid, th.args[1], data)
		if err != nil || got < len(data) {
			flags |= format.FlagUnreadable
		}
		data = data[:max(got, 0)]
	}
	t.emul(th)
	h := t.header(th, th.abi)
	h.Flags = flags
	t.rec.labeled(h, format.TypeUser, string(label), data)
}

// utraceReturn makes the utrace call th returns from succeed: untraced,
// or traced without USER records, it fails with ENOSYS.
func (t *Tracer) utraceReturn(th *thread) {
	if err := getRegs(th.tid, &t.regs); err != nil {
		return
	}
	t.regs.SetReturn(0)
	_ = setRegs(th.tid, &t.regs)
}
