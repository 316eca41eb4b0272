package session

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestWarmConfig: the configuration the standby decodes while it waits
// is one it could receive, with every field of the configuration and of
// its request set, so that the decoder encoding/json builds for it then is
// the whole one the real configuration needs.
func TestWarmConfig(t *testing.T) {
	var cfg helperConfig
	if err := json.Unmarshal(warmConfig, &cfg); err != nil {
		t.Fatalf("warmConfig: %v", err)
	}
	if cfg.Role != roleServe || cfg.Req == nil {
		t.Fatalf("warmConfig decodes to %+v, want a serve configuration with a request", cfg)
	}
	for _, v := range []reflect.Value{reflect.ValueOf(cfg), reflect.ValueOf(*cfg.Req)} {
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).IsZero() {
				t.Errorf("warmConfig leaves %s.%s unset", v.Type().Name(), v.Type().Field(i).Name)
			}
		}
	}
}
