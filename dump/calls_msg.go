package dump

import (
	"github.com/ktrace-linux/ktrace/arch"
)

// appendMsgArg appends the struct msghdr argument of sendmsg or recvmsg:
// decoded from its "msghdr" STRU record (-t t) with the data of the
// call's GIO record quoted in its iovecs, else the data alone as before
// structures were recorded. It reports false when the records have not
// come yet.
func (c *Calls) appendMsgArg(b []byte, oc *openCall, tab *arch.Table, a arch.Arg, v uint64, cur *argCursor) ([]byte, bool) {
	if cur.structs < len(oc.structs) && string(oc.structs[cur.structs].name) == "msghdr" {
		s := &oc.structs[cur.structs]
		cur.structs++
		var io *msgIOData
		if !c.opts.NoData && cur.ios < len(oc.io) {
			d := &oc.io[cur.ios]
			cur.ios++
			limit := c.opts.MaxData
			if limit == 0 {
				limit = strsize
			}
			io = &msgIOData{data: d.data, total: d.len, limit: limit}
		}
		if !c.opts.Raw {
			mark := len(b)
			w := structOut{b: append(b, "struct msghdr {"...), o: &c.opts}
			if decodeMsghdrData(&w, oc.hdr.ABI, s.data, io) {
				return append(w.b, " }"...), true
			}
			b = b[:mark]
		}
		return c.appendStructArg(b, s, oc.hdr.ABI), true
	}
	if c.opts.NoData {
		return appendArg(b, tab, a, v, &c.opts), true
	}
	if cur.ios < len(oc.io) {
		cur.ios++
		return c.appendIOArg(b, &oc.io[cur.ios-1]), true
	}
	return b, false
}
