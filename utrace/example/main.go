// Command example puts USER records into its trace with package utrace:
// run it under ktrace and read them with kdump.
//
//	ktrace -f ex.out go run ./utrace/example && kdump -f ex.out -t u
//
// It prints what each call returned: "record <label> ok", or the error
// when it is not traced.
package main

import (
	"fmt"

	"github.com/ktrace-linux/ktrace/utrace"
)

func main() {
	for _, r := range []struct{ label, data string }{
		{"hello", "world"},
		{"phase", "parsing done"},
	} {
		if err := utrace.Record(r.label, []byte(r.data)); err != nil {
			fmt.Printf("record %s: %v\n", r.label, err)
			continue
		}
		fmt.Printf("record %s ok\n", r.label)
	}
}
