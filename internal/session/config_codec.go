package session

import (
	"encoding/binary"
	"errors"

	"github.com/ktrace-linux/ktrace/tracer"
)

// The standby's configuration travels in a binary form of its own, not
// in JSON: encoding/json builds its encoders and decoders of helperConfig
// and Request by reflection the first time in a process, a few hundred
// microseconds in ktrace's command and in its tracer that the command's
// start waits for. (A helper, started with its configuration in the
// environment, gets JSON.)
//
// A configuration is a version byte (configVersion), then its fields in
// the order of helperConfig and Request: a string is its length
// (uvarint) and bytes; a bool a byte, 0 or 1; an int a varint,
// Facilities a uvarint; a slice its length plus one (uvarint, 0 for a
// nil slice) and its elements; the request a bool that says it is there,
// then its fields.

// configVersion is the version of the binary configuration.
const configVersion = 2

// errBadConfig reports a binary configuration that does not decode.
var errBadConfig = errors.New("bad configuration")

// appendConfig appends cfg in binary form to b.
func appendConfig(b []byte, cfg *helperConfig) []byte {
	b = append(b, configVersion)
	b = appendString(b, cfg.Role)
	b = appendString(b, cfg.File)
	b = appendBool(b, cfg.ForceRegisters)
	b = appendBool(b, cfg.NoGo)
	b = appendBool(b, cfg.Req != nil)
	if r := cfg.Req; r != nil {
		b = appendString(b, r.Op)
		if r.PIDs == nil {
			b = append(b, 0)
		} else {
			b = binary.AppendUvarint(b, uint64(len(r.PIDs))+1)
			for _, pid := range r.PIDs {
				b = binary.AppendVarint(b, int64(pid))
			}
		}
		b = binary.AppendUvarint(b, uint64(r.Facilities))
		b = appendBool(b, r.Inherit)
		b = binary.AppendVarint(b, int64(r.GenioSize))
		if r.Syscalls == nil {
			b = append(b, 0)
		} else {
			b = binary.AppendUvarint(b, uint64(len(r.Syscalls))+1)
			for _, s := range r.Syscalls {
				b = appendString(b, s)
			}
		}
		b = appendBool(b, r.Seccomp)
		b = appendString(b, r.File)
		b = appendString(b, r.Comm)
		b = appendBool(b, r.StopsItself)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// parseConfig decodes a configuration appendConfig encoded.
func parseConfig(b []byte) (helperConfig, error) {
	d := configDecoder{b: b}
	var cfg helperConfig
	if d.byte() != configVersion {
		return cfg, errBadConfig
	}
	cfg.Role = d.string()
	cfg.File = d.string()
	cfg.ForceRegisters = d.bool()
	cfg.NoGo = d.bool()
	if d.bool() {
		r := new(Request)
		r.Op = d.string()
		if n := d.count(); n > 0 {
			r.PIDs = make([]int, n-1)
			for i := range r.PIDs {
				r.PIDs[i] = int(d.varint())
			}
		}
		f := d.uvarint()
		if r.Facilities = tracer.Facilities(f); uint64(r.Facilities) != f {
			d.bad = true
		}
		r.Inherit = d.bool()
		r.GenioSize = int(d.varint())
		if n := d.count(); n > 0 {
			r.Syscalls = make([]string, n-1)
			for i := range r.Syscalls {
				r.Syscalls[i] = d.string()
			}
		}
		r.Seccomp = d.bool()
		r.File = d.string()
		r.Comm = d.string()
		r.StopsItself = d.bool()
		cfg.Req = r
	}
	if d.bad || len(d.b) != 0 {
		return helperConfig{}, errBadConfig
	}
	return cfg, nil
}

// configDecoder reads a binary configuration: once bad, it reads zeros.
type configDecoder struct {
	b   []byte
	bad bool
}

func (d *configDecoder) byte() byte {
	if d.bad || len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *configDecoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.bad = true
	return false
}

func (d *configDecoder) uvarint() uint64 { return decodeVarint(d, binary.Uvarint) }

func (d *configDecoder) varint() int64 { return decodeVarint(d, binary.Varint) }

// decodeVarint reads a number with read (binary.Uvarint or Varint).
func decodeVarint[T uint64 | int64](d *configDecoder, read func([]byte) (T, int)) T {
	v, n := read(d.b)
	if d.bad || n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a slice's length plus one: no more elements than bytes
// are left, each taking one at least.
func (d *configDecoder) count() uint64 {
	n := d.uvarint()
	if n > uint64(len(d.b))+1 {
		d.bad = true
		return 0
	}
	return n
}

func (d *configDecoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
