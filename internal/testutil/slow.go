package testutil

import (
	"os"
	"strconv"
	"time"
)

// Slow returns the factor by which tests stretch their timing-sensitive
// steps (how long a program they attach to lives, how long they wait
// before acting): KTRACE_TEST_SLOW, default 1. make test-arm64 sets it,
// since the tests run there under emulation.
func Slow() int {
	n, err := strconv.Atoi(os.Getenv("KTRACE_TEST_SLOW"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// Stretch returns d multiplied by Slow.
func Stretch(d time.Duration) time.Duration { return d * time.Duration(Slow()) }
