package session

import (
	"strconv"
	"unicode/utf8"
)

// marshalConfig returns cfg as encoding/json's Marshal does, byte for
// byte. ktrace sends its tracer the configuration once, from the process
// that becomes the traced command, and the first Marshal in a process
// builds its encoders of helperConfig and Request by reflection: some
// 200 µs the command's start waits for. TestMarshalConfig holds the two
// to the same bytes, with every field set, so that a field this encoder
// does not know fails it.
func marshalConfig(cfg helperConfig) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"Role":`...)
	b = appendJSONString(b, cfg.Role)
	b = append(b, `,"File":`...)
	b = appendJSONString(b, cfg.File)
	b = append(b, `,"ForceRegisters":`...)
	b = strconv.AppendBool(b, cfg.ForceRegisters)
	b = append(b, `,"Req":`...)
	b = appendRequest(b, cfg.Req)
	b = append(b, `,"NoGo":`...)
	b = strconv.AppendBool(b, cfg.NoGo)
	return append(b, '}')
}

// appendRequest appends r as encoding/json encodes it.
func appendRequest(b []byte, r *Request) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"Op":`...)
	b = appendJSONString(b, r.Op)
	b = append(b, `,"PIDs":`...)
	if r.PIDs == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, pid := range r.PIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(pid), 10)
		}
		b = append(b, ']')
	}
	b = append(b, `,"Facilities":`...)
	b = strconv.AppendUint(b, uint64(r.Facilities), 10)
	b = append(b, `,"Inherit":`...)
	b = strconv.AppendBool(b, r.Inherit)
	b = append(b, `,"GenioSize":`...)
	b = strconv.AppendInt(b, int64(r.GenioSize), 10)
	b = append(b, `,"Syscalls":`...)
	if r.Syscalls == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, name := range r.Syscalls {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
		}
		b = append(b, ']')
	}
	b = append(b, `,"Seccomp":`...)
	b = strconv.AppendBool(b, r.Seccomp)
	b = append(b, `,"File":`...)
	b = appendJSONString(b, r.File)
	if r.Comm != "" {
		b = append(b, `,"Comm":`...)
		b = appendJSONString(b, r.Comm)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters included): invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				if c < 0x20 || c == '<' || c == '>' || c == '&' {
					b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
