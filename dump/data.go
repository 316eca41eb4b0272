package dump

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/ktrace-linux/ktrace/format"
)

// Layout of the data lines under GIO, USER and STRU records.
const (
	dataIndent  = "       " // 7 columns, as FreeBSD kdump
	screenWidth = 80        // lines are wrapped to fit
	hexPerLine  = 16        // bytes per hex dump line
	hexDigits   = "0123456789abcdef"
)

// dataStyle says how a block of data is shown.
type dataStyle uint8

const (
	styleAuto     dataStyle = iota // vis strings, or hex+ASCII when mostly binary
	styleHex                       // hex only (-x)
	styleHexASCII                  // hex and ASCII (-X)
)

// isText reports whether c reads as text: printable ASCII, tab, newline
// or carriage return.
func isText(c byte) bool {
	return c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r'
}

// mostlyBinary reports whether more than a quarter of data is not text.
// Printable UTF-8 characters count as text.
func mostlyBinary(data []byte) bool {
	bad := 0
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if !isText(c) {
				bad++
			}
			i++
			continue
		}
		if n := printableRune(data[i:]); n > 0 {
			i += n
			continue
		}
		bad++
		i++
	}
	return bad*4 > len(data)
}

// printableRune returns the length of the printable UTF-8 character at
// the start of p, or 0 if there is none.
func printableRune(p []byte) int {
	r, n := utf8.DecodeRune(p)
	if r == utf8.RuneError || !unicode.IsPrint(r) {
		return 0
	}
	return n
}

// visEscapes holds the C-style escapes vis(3) uses with VIS_CSTYLE, plus
// the quote and the backslash so that the quoted strings read back.
var visEscapes = [256]string{
	'\a': `\a`, '\b': `\b`, '\t': `\t`, '\n': `\n`, '\v': `\v`, '\f': `\f`, '\r': `\r`,
	'"': `\"`, '\\': `\\`,
}

// appendVisByte appends c escaped. next is the byte after c, or -1, so
// that NUL prints as \0 unless an octal digit follows.
func appendVisByte(b []byte, c byte, next int) []byte {
	if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
		return append(b, c)
	}
	if e := visEscapes[c]; e != "" {
		return append(b, e...)
	}
	if c == 0 && (next < '0' || next > '7') {
		return append(b, '\\', '0')
	}
	return append(b, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
}

// visWidth returns the columns appendVisByte uses for c.
func visWidth(c byte, next int) int {
	switch {
	case c >= 0x20 && c < 0x7f && c != '"' && c != '\\':
		return 1
	case visEscapes[c] != "":
		return 2
	case c == 0 && (next < '0' || next > '7'):
		return 2
	}
	return 4
}

// nextByte returns data[i+1], or -1 past the end.
func nextByte(data []byte, i int) int {
	if i+1 < len(data) {
		return int(data[i+1])
	}
	return -1
}

// visToken appends the vis form of the character at data[i]: a printable
// UTF-8 character as it is, else one byte escaped. It returns the bytes
// of data used and the columns the form takes.
func visToken(b []byte, data []byte, i int) (out []byte, used, width int) {
	c := data[i]
	if c >= utf8.RuneSelf {
		if n := printableRune(data[i:]); n > 0 {
			return append(b, data[i:i+n]...), n, 1
		}
	}
	next := nextByte(data, i)
	return appendVisByte(b, c, next), 1, visWidth(c, next)
}

// appendQuoted appends s vis-escaped in double quotes.
func appendQuoted(b []byte, s []byte) []byte {
	b = append(b, '"')
	b = appendVisName(b, s)
	return append(b, '"')
}

// appendVisName appends s vis-escaped, without quotes.
func appendVisName(b []byte, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		var n int
		b, n, _ = visToken(b, s, i)
		i += n
	}
	return b
}

// appendVisLines appends data as vis-escaped quoted lines indented 7
// columns, a line ending after each newline and before column 80.
// flush is called between lines so that large data does not pile up.
func appendVisLines(b []byte, data []byte, flush func([]byte) []byte) []byte {
	const maxCol = screenWidth - 1 // room for the closing quote
	b = append(b, dataIndent...)
	b = append(b, '"')
	col := len(dataIndent) + 1
	var tok [8]byte
	for i := 0; i < len(data); {
		c := data[i]
		t, n, w := visToken(tok[:0], data, i)
		if col+w > maxCol {
			b = append(b, "\"\n"...)
			b = flush(b)
			b = append(b, dataIndent...)
			b = append(b, '"')
			col = len(dataIndent) + 1
		}
		b = append(b, t...)
		col += w
		i += n
		if c == '\n' && i < len(data) {
			b = append(b, "\"\n"...)
			b = flush(b)
			b = append(b, dataIndent...)
			b = append(b, '"')
			col = len(dataIndent) + 1
		}
	}
	return append(b, "\"\n"...)
}

// appendHexLines appends data as FreeBSD kdump's hex dump: the offset
// (base plus the position in data), 16 bytes in groups of two and, with
// ascii, the printable characters between bars.
func appendHexLines(b []byte, data []byte, base uint64, ascii bool, flush func([]byte) []byte) []byte {
	for n := 0; n < len(data); n += hexPerLine {
		b = append(b, dataIndent...)
		b = append(b, "0x"...)
		b = appendHexPad(b, base+uint64(n), 4)
		end := min(n+hexPerLine, len(data))
		for i := n; i < n+hexPerLine; i++ {
			if i >= end && !ascii {
				break
			}
			if i%2 == 0 {
				b = append(b, ' ')
			}
			if i < end {
				b = append(b, hexDigits[data[i]>>4], hexDigits[data[i]&15])
			} else {
				b = append(b, ' ', ' ')
			}
		}
		if ascii {
			b = append(b, "  |"...)
			for _, c := range data[n:end] {
				if c < ' ' || c > '~' {
					c = '.'
				}
				b = append(b, c)
			}
			b = append(b, '|')
		}
		b = append(b, '\n')
		b = flush(b)
	}
	return b
}

// appendHexPad appends v in hex with at least width digits.
func appendHexPad(b []byte, v uint64, width int) []byte {
	var tmp [16]byte
	s := strconv.AppendUint(tmp[:0], v, 16)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendData appends the lines showing data in the given style.
func appendData(b []byte, data []byte, base uint64, style dataStyle, flush func([]byte) []byte) []byte {
	if len(data) == 0 {
		return b
	}
	switch {
	case style == styleHex:
		return appendHexLines(b, data, base, false, flush)
	case style == styleHexASCII || mostlyBinary(data):
		return appendHexLines(b, data, base, true, flush)
	}
	return appendVisLines(b, data, flush)
}

// appendCHex appends v as C's %#x: 0 prints as "0".
func appendCHex(b []byte, v uint64) []byte {
	if v == 0 {
		return append(b, '0')
	}
	b = append(b, '0', 'x')
	return strconv.AppendUint(b, v, 16)
}

// append0x appends v as "0x%x": 0 prints as "0x0".
func append0x(b []byte, v uint64) []byte {
	b = append(b, '0', 'x')
	return strconv.AppendUint(b, v, 16)
}

// appendOctal appends v as C's %#o: 0 prints as "0".
func appendOctal(b []byte, v uint64) []byte {
	b = append(b, '0')
	if v == 0 {
		return b
	}
	return strconv.AppendUint(b, v, 8)
}

// appendPadInt appends v right-aligned in width columns (%*d).
func appendPadInt(b []byte, v int64, width int) []byte {
	var tmp [24]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// appendComm appends a command name as %-8.8s, or when it is longer
// than 8 bytes whole as %-16s (BSD's MAXCOMLEN), so that the column
// always ends with a space; unprintable bytes and spaces print as '?'.
func appendComm(b []byte, comm []byte) []byte {
	width := 8
	if len(comm) > width {
		width = format.CommLen
	}
	if len(comm) > width {
		comm = comm[:width]
	}
	for _, c := range comm {
		if c <= 0x20 || c >= 0x7f {
			c = '?'
		}
		b = append(b, c)
	}
	for i := len(comm); i < width; i++ {
		b = append(b, ' ')
	}
	return b
}

// appendSecNsec appends a nanosecond count as %d.%09d, with a sign when
// negative.
func appendSecNsec(b []byte, ns int64) []byte {
	u := uint64(ns)
	if ns < 0 {
		b = append(b, '-')
		u = uint64(-ns)
	}
	b = strconv.AppendUint(b, u/1e9, 10)
	b = append(b, '.')
	frac := u % 1e9
	var tmp [9]byte
	for i := len(tmp) - 1; i >= 0; i-- {
		tmp[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, tmp[:]...)
}

// plural returns "s" unless n is 1.
func plural(n uint64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
