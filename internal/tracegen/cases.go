package tracegen

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/ktrace-linux/ktrace/arch"
)

// Case is one kdump golden case: the trace of Sample(Machine) decoded
// with Args; the expected output is Name.golden.
type Case struct {
	Name    string
	Machine arch.Machine
	Args    []string
}

// machines names the machines cases may use.
var machines = map[string]arch.Machine{"amd64": arch.MachineAmd64, "arm64": arch.MachineArm64}

// ReadCases reads a case file: one case a line, "name machine args...",
// with # comments.
func ReadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d: want name machine args", path, line)
		}
		m, ok := machines[fields[1]]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown machine %q", path, line, fields[1])
		}
		cases = append(cases, Case{Name: fields[0], Machine: m, Args: fields[2:]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return cases, nil
}
