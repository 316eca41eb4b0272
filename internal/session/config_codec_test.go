package session

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestConfigCodec: a configuration whose every field (those added later
// too) is filled at random, nil and empty slices and no request among
// them, decodes to itself, byte for byte in its strings (invalid UTF-8
// too, as a command's name may be); and every shorter prefix of its
// encoding, or the encoding with a byte more, fails to decode.
func TestConfigCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		var cfg helperConfig
		fill(rng, reflect.ValueOf(&cfg).Elem())
		if i%10 == 0 {
			cfg.Req = nil
		}
		b := appendConfig(nil, &cfg)
		got, err := parseConfig(b)
		if err != nil || !reflect.DeepEqual(got, cfg) {
			t.Fatalf("config %+v (request %+v) decodes to %+v (request %+v), %v", cfg, cfg.Req, got, got.Req, err)
		}
		if i%100 == 0 {
			for n := range len(b) {
				if _, err := parseConfig(b[:n]); err == nil {
					t.Fatalf("%d of the %d bytes of %x decode", n, len(b), b)
				}
			}
			if _, err := parseConfig(append(b, 0)); err == nil {
				t.Fatalf("%x with a byte more decodes", b)
			}
		}
	}
}

// FuzzParseConfig: any bytes decode to a configuration that encodes to
// them (or to a shorter form of them that decodes the same), or fail; none
// panics.
func FuzzParseConfig(f *testing.F) {
	f.Add(appendConfig(nil, &helperConfig{Role: roleServe, File: "t.out",
		Req: &Request{Op: "command", PIDs: []int{7}, Syscalls: []string{"read"}, Comm: "ktrace"}}))
	f.Add([]byte{configVersion, 0, 0, 0, 0, 1, 0, 255, 255, 255, 255, 15})
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b)
		if err != nil {
			return
		}
		if again := appendConfig(nil, &cfg); string(again) != string(b) {
			// Varints have one shortest form, which appendConfig
			// writes; a longer one decodes to the same value.
			if back, err := parseConfig(again); err != nil || !reflect.DeepEqual(back, cfg) {
				t.Fatalf("%x decodes to %+v, which encodes to %x", b, cfg, again)
			}
		}
	})
}

// fill sets v, and all it holds, to random values.
func fill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		v.SetString(string(b))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64() >> rng.IntN(64))
		if rng.IntN(2) == 0 {
			v.SetInt(-v.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(rng.Uint64() >> rng.IntN(64))
	case reflect.Slice:
		switch rng.IntN(4) {
		case 0: // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			v.Set(reflect.MakeSlice(v.Type(), 1+rng.IntN(4), 5))
			for i := 0; i < v.Len(); i++ {
				fill(rng, v.Index(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(rng, v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(rng, v.Field(i))
		}
	default:
		panic("fill: no random " + v.Kind().String())
	}
}
