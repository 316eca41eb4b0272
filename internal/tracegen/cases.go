package tracegen

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/ktrace-linux/ktrace/arch"
)

// Case is one kdump golden case: the trace of Sample(Machine) (or of
// the generator Trace names) decoded with Args; the expected output is
// Name.golden.
type Case struct {
	Name    string
	Machine arch.Machine
	Trace   string // "" (Sample), "fdnames" (FDNames), "threads" (Threads) or "time" (TimeCalls)
	Args    []string
}

// generators are the traces a case may name after its machine.
var generators = map[string]func(arch.Machine) ([]byte, error){
	"": Sample, "fdnames": FDNames, "threads": Threads,
	"time": TimeCalls, // time, select, epoll and output buffers (issue 12)
}

// Build returns the trace of the case.
func (c *Case) Build() ([]byte, error) {
	gen, ok := generators[c.Trace]
	if !ok {
		return nil, fmt.Errorf("case %s: unknown trace %q", c.Name, c.Trace)
	}
	return gen(c.Machine)
}

// machines names the machines cases may use.
var machines = map[string]arch.Machine{"amd64": arch.MachineAmd64, "arm64": arch.MachineArm64}

// ReadCases reads a case file: one case a line, "name machine args...",
// with # comments; the machine may name a trace other than the sample,
// as "amd64/fdnames".
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
		mach, trace, _ := strings.Cut(fields[1], "/")
		m, ok := machines[mach]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown machine %q", path, line, mach)
		}
		if _, ok := generators[trace]; !ok {
			return nil, fmt.Errorf("%s:%d: unknown trace %q", path, line, trace)
		}
		cases = append(cases, Case{Name: fields[0], Machine: m, Trace: trace, Args: fields[2:]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return cases, nil
}
