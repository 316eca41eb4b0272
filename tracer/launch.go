package tracer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
)

// helperEnv names the environment variable that turns the ktrace binary
// into one of its helper processes.
const helperEnv = "KTRACE_HELPER"

// Helper roles.
const (
	roleSpawn = "spawn" // starts the tracer, detached, and exits
	roleTrace = "trace" // the background tracer
)

// helperConfig is what ktrace passes to its helpers.
type helperConfig struct {
	Role           string
	File           string // trace file name, for messages
	Target         int
	Facilities     Facilities
	Inherit        bool
	GenioSize      int
	ForceRegisters bool
}

// File descriptors the helpers receive.
const (
	fdTraceFile  = 3
	fdFromKtrace = 4
	fdToKtrace   = 5
)

// ExecTraced makes the calling process run path traced, as BSD ktrace
// does: a background tracer process seizes this process, and this process
// then executes path, keeping its pid, parent, process group, terminal
// and exit status. The tracer writes records to file from the execve on.
// On success ExecTraced does not return.
//
// It must be called from the main thread (see runtime.LockOSThread in an
// init function), the thread the tracer seizes.
func ExecTraced(file *os.File, opts Options, path string, argv, env []string) error {
	if unix.Gettid() != os.Getpid() {
		return errors.New("ExecTraced must run on the main thread")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	toR, toW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer toW.Close()
	fromR, fromW, err := os.Pipe()
	if err != nil {
		toR.Close()
		return err
	}
	defer fromR.Close()
	cfg, _ := json.Marshal(helperConfig{
		Role: roleSpawn, File: file.Name(), Target: os.Getpid(), Facilities: opts.Facilities,
		Inherit: opts.Inherit, GenioSize: opts.GenioSize, ForceRegisters: opts.ForceRegisters,
	})
	spawn := exec.Command(self)
	spawn.Env = []string{helperEnv + "=" + string(cfg)}
	spawn.ExtraFiles = []*os.File{file, toR, fromW}
	spawn.Stderr = os.Stderr
	err = spawn.Run()
	toR.Close()
	fromW.Close()
	if err != nil {
		return fmt.Errorf("start tracer: %w", err)
	}
	// The tracer says its pid, waits until it may trace us (Yama's
	// ptrace_scope=1 wants PR_SET_PTRACER), seizes us and says ok.
	in := bufio.NewReader(fromR)
	line, err := in.ReadString('\n')
	pidStr, ok := strings.CutPrefix(strings.TrimSpace(line), "pid ")
	tracerPid, perr := strconv.Atoi(pidStr)
	if err != nil || !ok || perr != nil {
		return fmt.Errorf("start tracer: %s", tracerMessage(line, err))
	}
	_ = unix.Prctl(unix.PR_SET_PTRACER, uintptr(tracerPid), 0, 0, 0)
	if _, err := toW.Write([]byte{'g'}); err != nil {
		return fmt.Errorf("start tracer: %w", err)
	}
	line, err = in.ReadString('\n')
	if strings.TrimSpace(line) != "ok" {
		return errors.New(tracerMessage(line, err))
	}
	fromR.Close()
	file.Close()
	return syscall.Exec(path, argv, env)
}

// tracerMessage turns what the tracer said, or did not say, into an error
// message.
func tracerMessage(line string, err error) string {
	if msg, ok := strings.CutPrefix(strings.TrimSpace(line), "error: "); ok {
		return msg
	}
	if err == io.EOF || err == nil {
		return "tracer exited before tracing started"
	}
	return err.Error()
}

// HelperMain runs this process as one of ktrace's helpers if the
// environment says so: it returns false at once otherwise. The returned
// code is the process's exit status.
func HelperMain() (isHelper bool, code int) {
	v, ok := os.LookupEnv(helperEnv)
	if !ok {
		return false, 0
	}
	var cfg helperConfig
	if err := json.Unmarshal([]byte(v), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: bad helper configuration: %v\n", err)
		return true, 2
	}
	switch cfg.Role {
	case roleSpawn:
		return true, spawnTracer(cfg)
	case roleTrace:
		return true, traceMain(cfg)
	}
	fmt.Fprintf(os.Stderr, "ktrace: unknown helper role %q\n", cfg.Role)
	return true, 2
}

// spawnTracer starts the tracer in a session of its own, so that it is
// no child of the traced command and terminal signals do not reach it,
// and exits: the tracer is reparented to init.
func spawnTracer(cfg helperConfig) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: find own executable: %v\n", err)
		return 1
	}
	cfg.Role = roleTrace
	b, _ := json.Marshal(cfg)
	cmd := exec.Command(self)
	cmd.Env = []string{helperEnv + "=" + string(b)}
	cmd.ExtraFiles = []*os.File{
		os.NewFile(fdTraceFile, "trace"), os.NewFile(fdFromKtrace, "from-ktrace"), os.NewFile(fdToKtrace, "to-ktrace"),
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: start tracer: %v\n", err)
		return 1
	}
	return 0
}

// traceMain is the background tracer of a command.
func traceMain(cfg helperConfig) int {
	runtime.LockOSThread()
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTOU, syscall.SIGTTIN)
	file := os.NewFile(fdTraceFile, "trace")
	from := os.NewFile(fdFromKtrace, "from-ktrace")
	to := os.NewFile(fdToKtrace, "to-ktrace")
	fail := func(err error) int {
		fmt.Fprintf(to, "error: %v\n", err)
		return 1
	}
	fmt.Fprintf(to, "pid %d\n", os.Getpid())
	var b [1]byte
	if n, _ := from.Read(b[:]); n != 1 {
		return 1 // ktrace is gone
	}
	from.Close()
	w := format.NewWriter(file)
	if err := WriteStart(w); err != nil {
		return fail(fmt.Errorf("write %s: %w", cfg.File, err))
	}
	t, err := New(w, Options{Facilities: cfg.Facilities, Inherit: cfg.Inherit,
		GenioSize: cfg.GenioSize, ForceRegisters: cfg.ForceRegisters})
	if err != nil {
		return fail(err)
	}
	if err := t.SeizeCommand(cfg.Target); err != nil {
		return fail(err)
	}
	to.Write([]byte("ok\n"))
	to.Close()
	if err := t.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: %s: %v\n", cfg.File, err)
		return 1
	}
	return 0
}
