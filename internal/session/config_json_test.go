package session

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestMarshalConfig: marshalConfig encodes what json.Marshal does, byte
// for byte, for configurations whose every field (those added later too)
// is filled at random: strings of any bytes (invalid UTF-8, the HTML
// characters, U+2028), nil and empty slices, no request; and the tracer's
// decoder reads it back.
func TestMarshalConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		var cfg helperConfig
		fill(rng, reflect.ValueOf(&cfg).Elem())
		if i%10 == 0 {
			cfg.Req = nil
		}
		want, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := marshalConfig(cfg)
		if !bytes.Equal(got, want) {
			t.Fatalf("config %+v (request %+v):\nmarshalConfig %s\njson.Marshal  %s", cfg, cfg.Req, got, want)
		}
		var back helperConfig
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
	}
}

// fill sets v, and all it holds, to random values.
func fill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		const special = "\"\\\b\f\n\r\t\x00\x1f<>&\x7f\xff\xe2\x80\xa8\xe2\x80\xa9é日"
		b := make([]byte, rng.IntN(12))
		for i := range b {
			if rng.IntN(2) == 0 {
				b[i] = special[rng.IntN(len(special))]
			} else {
				b[i] = byte(rng.IntN(256))
			}
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
		v.SetUint(rng.Uint64())
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
