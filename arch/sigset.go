package arch

import (
	"strconv"
	"strings"
)

// sigSetNames holds the names of signals in a signal set, as strace
// prints them: the names of the signal table without "SIG" ("INT",
// "RTMIN" for 32), then "RT_1" to "RT_32" for 33 to 64.
var sigSetNames = func() (names [sigRTMax + 1]string) {
	for s := 1; s <= sigRTMin; s++ {
		names[s] = strings.TrimPrefix(signalNames[s], "SIG")
	}
	for s := sigRTMin + 1; s <= sigRTMax; s++ {
		names[s] = "RT_" + strconv.Itoa(s-sigRTMin)
	}
	return names
}()

// SignalSetName returns the name of signal sig as strace shows it in a
// signal set ("[INT TERM]", "~[RTMIN RT_1]"): "INT", "RTMIN" for 32 and
// "RT_n" for 32+n. It returns "" for a number that is no signal.
func SignalSetName(sig int) string {
	if sig > 0 && sig < len(sigSetNames) {
		return sigSetNames[sig]
	}
	return ""
}
