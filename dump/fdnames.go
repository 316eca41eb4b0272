package dump

import (
	"encoding/binary"
	"path"
	"slices"
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// fdOp says what a system call does to the descriptor table (-y).
type fdOp uint8

const (
	fdNone       fdOp = iota
	fdOpen            // a new descriptor for the path of its NAMI record
	fdSocket          // a new socket, named from its family and type
	fdPair            // two new descriptors through memory (pipe, socketpair)
	fdAccept          // a new socket like the listening one (argument 0)
	fdAddress         // bind, connect: an AF_UNIX path names socket argument 0
	fdDup             // the result is a copy of argument 0
	fdDupTo           // argument 1 (and the result) becomes a copy of argument 0
	fdFcntl           // F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD
	fdClose           // argument 0 is closed
	fdCloseRange      // arguments 0 to 1 are closed (or marked close-on-exec)
	fdChdir           // a new working directory from its NAMI record
	fdFchdir          // the directory of argument 0 becomes the working one
	fdExec            // close-on-exec descriptors are closed
	fdFork            // a new process with a copy of the table (or sharing it)
	fdExitGroup       // the process ends
	fdAnon            // a new descriptor of a kind named by label
	// Internet sockets' ends (issue 12, polish): fdnames_inet.go.
	fdSockName // getsockname: the local end of argument 0
	fdPeerName // getpeername: the peer of argument 0
)

// fdSpec describes how a system call changes the descriptor table.
type fdSpec struct {
	op fdOp
	// cloexec is the index of the argument whose O_CLOEXEC bit (also
	// SOCK_CLOEXEC, EFD_CLOEXEC... which equal it) marks the new
	// descriptors close-on-exec, or -1.
	cloexec int8
	// label names the descriptors of fdAnon and fdPair ("pipe").
	label string
}

// fdSpecs are the system calls that change the descriptor table, by name.
var fdSpecs = map[string]fdSpec{
	"open": {fdOpen, 1, ""}, "openat": {fdOpen, 2, ""}, "openat2": {fdOpen, -1, ""},
	"creat": {fdOpen, -1, ""}, "open_by_handle_at": {fdAnon, 2, "handle"},
	"socket": {fdSocket, 1, ""}, "socketpair": {fdPair, 1, "socket:UNIX"},
	"pipe": {fdPair, -1, "pipe"}, "pipe2": {fdPair, 1, "pipe"},
	"accept": {fdAccept, -1, ""}, "accept4": {fdAccept, 3, ""},
	"bind": {fdAddress, -1, ""}, "connect": {fdAddress, -1, ""},
	"dup": {fdDup, -1, ""}, "dup2": {fdDupTo, -1, ""}, "dup3": {fdDupTo, 2, ""},
	"fcntl": {fdFcntl, -1, ""}, "fcntl64": {fdFcntl, -1, ""},
	"close": {fdClose, -1, ""}, "close_range": {fdCloseRange, -1, ""},
	"chdir": {fdChdir, -1, ""}, "fchdir": {fdFchdir, -1, ""},
	"execve": {fdExec, -1, ""}, "execveat": {fdExec, -1, ""},
	"fork": {fdFork, -1, ""}, "vfork": {fdFork, -1, ""}, "clone": {fdFork, -1, ""}, "clone3": {fdFork, -1, ""},
	"exit_group": {fdExitGroup, -1, ""},
	"eventfd":    {fdAnon, -1, "anon_inode:[eventfd]"}, "eventfd2": {fdAnon, 1, "anon_inode:[eventfd]"},
	"epoll_create": {fdAnon, -1, "anon_inode:[eventpoll]"}, "epoll_create1": {fdAnon, 0, "anon_inode:[eventpoll]"},
	"signalfd": {fdAnon, -1, "anon_inode:[signalfd]"}, "signalfd4": {fdAnon, 3, "anon_inode:[signalfd]"},
	"timerfd_create": {fdAnon, 1, "anon_inode:[timerfd]"},
	"inotify_init":   {fdAnon, -1, "anon_inode:inotify"}, "inotify_init1": {fdAnon, 0, "anon_inode:inotify"},
	"fanotify_init": {fdAnon, -1, "anon_inode:[fanotify]"},
	"memfd_create":  {fdAnon, 1, "memfd"}, "memfd_secret": {fdAnon, 0, "secretmem"},
	"pidfd_open": {fdAnon, -1, "anon_inode:[pidfd]"}, "userfaultfd": {fdAnon, 0, "anon_inode:[userfaultfd]"},
	"perf_event_open": {fdAnon, -1, "anon_inode:[perf_event]"}, "io_uring_setup": {fdAnon, -1, "anon_inode:[io_uring]"},
	"bpf": {fdAnon, -1, "anon_inode:bpf"}, "mq_open": {fdAnon, -1, "mqueue"},
	// Internet sockets' ends (issue 12, polish): fdnames_inet.go.
	"getsockname": {fdSockName, -1, ""}, "getpeername": {fdPeerName, -1, ""},
}

// fdPairStructs are the names of the STRU records that hold the two
// descriptors pipe and socketpair return through memory.
var fdPairStructs = []string{"fd_pair", "pipefd", "int[2]", "sv"}

// socketNames name sockets as strace -yy does, by family and type.
var socketNames = []struct {
	family, typ uint64
	name        string
}{
	{2, 1, "TCP"}, {2, 2, "UDP"}, {10, 1, "TCPv6"}, {10, 2, "UDPv6"},
	{1, 1, "UNIX"}, {1, 2, "UNIX"}, {1, 5, "UNIX"}, {16, 2, "NETLINK"}, {16, 3, "NETLINK"},
}

// sockTypeMask keeps the type of socket's second argument, without
// SOCK_NONBLOCK and SOCK_CLOEXEC.
const sockTypeMask = 0xf

// fdFile is what a descriptor refers to.
type fdFile struct {
	name    string
	cloexec bool
}

// fdFiles is a descriptor table, shared by the threads of a process and
// by processes cloned with CLONE_FILES.
type fdFiles map[int32]fdFile

// clone returns a copy of f; with exec set, without the close-on-exec
// descriptors.
func (f fdFiles) clone(exec bool) fdFiles {
	n := make(fdFiles, len(f))
	for fd, file := range f {
		if !exec || !file.cloexec {
			n[fd] = file
		}
	}
	return n
}

// maxExpected bounds the children whose fork returned and that were
// not seen yet.
const maxExpected = 4096

// fdProc is what -y knows of a process.
type fdProc struct {
	files fdFiles
	cwd   string // the working directory, "" when not known
	// inherited says the table came from the parent; a process first
	// seen without one may be given its parent's at the fork's RET.
	inherited bool
}

// fork returns the state of a child of p, its table shared or copied.
func (p *fdProc) fork(share bool) *fdProc {
	c := &fdProc{files: p.files, cwd: p.cwd, inherited: true}
	if !share {
		c.files = p.files.clone(false)
	}
	return c
}

// fdThread is the system call a thread is in and the names -y shows for
// it, kept until the thread's next CALL.
type fdThread struct {
	pid     int32
	abi     arch.ABI
	spec    fdSpec
	call    format.Call
	entered bool
	path    string // the first NAMI record of the call
	hasPath bool
	pair    [2]int32
	hasPair bool
	args    [6]string // names of the arguments at the CALL
	ret     string    // name of the descriptor returned
	msg     *fdMsg    // descriptors sendmsg passes or recvmsg receives (SCM_RIGHTS)
	addr    string    // an internet socket address of the call's sockaddr STRU (fdnames_inet.go)
}

// forker is a thread in a fork or clone call.
type forker struct {
	pid   int32
	share bool // CLONE_FILES
}

// fdTracker follows the descriptor tables of the traced processes from
// the records alone (kdump -y): what each descriptor refers to.
type fdTracker struct {
	tabs    tableCache
	procs   map[int32]*fdProc   // by pid
	expect  map[int32]*fdProc   // children whose fork returned, not yet seen
	threads map[int32]*fdThread // by tid
	forking map[int32]forker    // threads in fork calls, by tid
	dead    []int32             // threads ended by their last call
	// inflight are the names of the descriptors successful sendmsg
	// calls passed with SCM_RIGHTS, not yet received, oldest first.
	inflight [][]string
}

func newFDTracker() *fdTracker {
	return &fdTracker{procs: map[int32]*fdProc{}, expect: map[int32]*fdProc{},
		threads: map[int32]*fdThread{}, forking: map[int32]forker{}}
}

// argNames returns the names of the descriptor arguments of the call
// thread tid is in, or nil.
func (t *fdTracker) argNames(tid int32) *[6]string {
	if th := t.threads[tid]; th != nil {
		return &th.args
	}
	return nil
}

// retNameOf returns the name of the descriptor returned by r, the RET
// of thread tid just seen, or "" (always for a nil tracker: no -y).
func (t *fdTracker) retNameOf(tid int32, r *format.Ret) string {
	if t == nil || r == nil || r.Error != 0 {
		return ""
	}
	if th := t.threads[tid]; th != nil {
		return th.ret
	}
	return ""
}

// argNamesOf returns the names of the descriptor arguments of the call
// of thread tid (nil without -y).
func (t *fdTracker) argNamesOf(tid int32) *[6]string {
	if t == nil {
		return nil
	}
	return t.argNames(tid)
}

// appendJSONFDNames appends "fd_names":{"3":"/etc/passwd"} for the
// descriptors held in vals (arguments of kinds fd and dirfd, or a
// result) whose names are known, each once.
func appendJSONFDNames(b []byte, vals []uint64, names []string) []byte {
	first := true
	for i, name := range names {
		if name == "" || i >= len(vals) || slices.ContainsFunc(vals[:i], func(v uint64) bool { return int32(v) == int32(vals[i]) }) {
			continue
		}
		if first {
			b = append(b, `,"fd_names":{`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(int32(vals[i])), 10)
		b = append(b, `":`...)
		b = appendJSONString(b, []byte(name))
	}
	if !first {
		b = append(b, '}')
	}
	return b
}

// proc returns the state of process pid, made when it is first seen:
// the table its fork's RET left for it, else that of the one process in
// a fork call (a vfork parent waits for its child), else empty.
func (t *fdTracker) proc(pid int32) *fdProc {
	if p := t.procs[pid]; p != nil {
		return p
	}
	p := t.expect[pid]
	delete(t.expect, pid)
	if p == nil && len(t.forking) == 1 {
		for _, f := range t.forking {
			if parent := t.procs[f.pid]; parent != nil && f.pid != pid {
				p = parent.fork(f.share)
			}
		}
	}
	if p == nil {
		p = &fdProc{files: fdFiles{}}
	}
	t.procs[pid] = p
	return p
}

// drop forgets process pid and its threads.
func (t *fdTracker) drop(pid int32) {
	delete(t.procs, pid)
	for tid, th := range t.threads {
		if th.pid == pid {
			delete(t.threads, tid)
			delete(t.forking, tid)
		}
	}
}

// observe updates the tables from rec. It sees every record, before any
// filter and before the record is rendered.
func (t *fdTracker) observe(rec *format.Record) {
	for _, tid := range t.dead {
		delete(t.threads, tid)
		delete(t.forking, tid)
	}
	t.dead = t.dead[:0]
	if rec.TID != rec.PID {
		delete(t.expect, rec.TID) // a thread (clone3), not a process
	}
	switch rec.Type {
	case format.TypeStart:
		// Another session: its processes are new, whatever their pids.
		t.inflight = t.inflight[:0]
		clear(t.procs)
		clear(t.expect)
		clear(t.threads)
		clear(t.forking)
	case format.TypeCall:
		if c, err := rec.Call(); err == nil {
			t.enter(rec, &c)
		}
	case format.TypeRet:
		if r, err := rec.Ret(); err == nil {
			t.leave(rec, &r)
		}
	case format.TypeNamei:
		if th := t.threads[rec.TID]; th != nil && th.entered && !th.hasPath {
			th.path, th.hasPath = string(rec.Payload), true
		}
	case format.TypeStruct:
		th := t.threads[rec.TID]
		if th == nil || !th.entered {
			return
		}
		if th.keepAddr(rec) { // fdnames_inet.go
			return
		}
		if th.spec.op != fdPair {
			t.structMsg(rec, th) // fdnames_msg.go: SCM_RIGHTS
			return
		}
		if s, err := rec.Struct(); err == nil && len(s.Data) == 8 && isPairStruct(s.Label) {
			th.pair = [2]int32{int32(binary.LittleEndian.Uint32(s.Data)), int32(binary.LittleEndian.Uint32(s.Data[4:]))}
			th.hasPair = true
		}
	case format.TypeExit:
		t.drop(rec.PID)
	}
}

// isPairStruct reports whether a STRU record of this name holds the
// descriptors of pipe or socketpair.
func isPairStruct(label []byte) bool {
	for _, n := range fdPairStructs {
		if string(label) == n {
			return true
		}
	}
	return false
}

// thread returns the state of thread tid of rec, reset for a new call.
func (t *fdTracker) thread(rec *format.Record) *fdThread {
	th := t.threads[rec.TID]
	if th == nil {
		th = &fdThread{}
		t.threads[rec.TID] = th
	}
	*th = fdThread{pid: rec.PID, abi: rec.ABI}
	return th
}

// enter starts call c of the thread of rec: the names of its descriptor
// arguments as the table holds them now.
func (t *fdTracker) enter(rec *format.Record, c *format.Call) {
	p := t.proc(rec.PID)
	th := t.thread(rec)
	delete(t.forking, rec.TID)
	th.call, th.entered = *c, true
	sc := t.tabs.lookup(rec.ABI, c.Number)
	if sc == nil || !sc.Known {
		return
	}
	th.spec = fdSpecs[sc.Name]
	tab := t.tabs.get(rec.ABI)
	for i, a := range sc.Args {
		if i >= c.NArg || i >= len(th.args) {
			break
		}
		if a.Kind == arch.ArgFD || a.Kind == arch.ArgDirFD {
			th.args[i] = p.files[int32(a.Value(tab.ABI(), c.Args[i]))].name
		}
	}
	switch {
	case th.spec.op == fdFork:
		flags := cloneFlags(sc, c)
		if cloneThread, _ := tab.Const("CLONE_THREAD"); flags&cloneThread == 0 || cloneThread == 0 {
			files, _ := tab.Const("CLONE_FILES")
			t.forking[rec.TID] = forker{pid: rec.PID, share: files != 0 && flags&files != 0}
		}
	case sc.Traits&(arch.TraitExitProcess) != 0:
		t.drop(rec.PID)
	case sc.Traits&arch.TraitExitThread != 0:
		t.dead = append(t.dead, rec.TID)
	}
}

// cloneFlags returns the clone flags of a fork call (0 for fork, vfork
// and clone3, whose flags are in memory).
func cloneFlags(sc *arch.Syscall, c *format.Call) uint64 {
	if sc.Traits&arch.TraitCloneFlags == 0 || c.NArg == 0 {
		return 0
	}
	return c.Args[0]
}

// leave ends the call of the thread of rec with result r: a successful
// call changes the table.
func (t *fdTracker) leave(rec *format.Record, r *format.Ret) {
	th := t.threads[rec.TID]
	if th == nil {
		return // a RET without its CALL: nothing to learn
	}
	if !th.entered || th.call.Number != r.Number {
		t.thread(rec) // nor from one whose CALL was another
		return
	}
	fork, forking := t.forking[rec.TID]
	delete(t.forking, rec.TID)
	th.entered = false
	if r.Error != 0 {
		return
	}
	p := t.proc(rec.PID)
	tab := t.tabs.get(th.abi)
	if tab == nil {
		return
	}
	if th.msg != nil {
		t.leaveMsg(p, tab, th) // fdnames_msg.go
		return
	}
	fd := int32(r.Value)
	c := &th.call
	arg := func(i int) int32 { return int32(c.Args[i]) }
	cloexec := false
	if i := th.spec.cloexec; i >= 0 && int(i) < c.NArg {
		if v, ok := tab.Const("O_CLOEXEC"); ok && c.Args[i]&v != 0 {
			cloexec = true
		}
	}
	switch th.spec.op {
	case fdOpen:
		if th.hasPath {
			p.files[fd] = fdFile{t.absolute(p, th, th.path), cloexec}
		} else {
			delete(p.files, fd)
		}
	case fdAnon:
		p.files[fd] = fdFile{th.spec.label, cloexec}
	case fdSocket:
		p.files[fd] = fdFile{socketName(tab, c.Args[0], c.Args[1]), cloexec}
	case fdPair:
		if th.hasPair {
			for _, n := range th.pair {
				p.files[n] = fdFile{th.spec.label, cloexec}
			}
		}
		return
	case fdAccept:
		if f, ok := p.files[arg(0)]; ok {
			p.files[fd] = fdFile{acceptedName(f.name, th), cloexec} // fdnames_inet.go
		} else {
			delete(p.files, fd)
		}
	case fdAddress:
		if f, ok := p.files[arg(0)]; ok && th.hasPath && f.name == "socket:UNIX" {
			f.name += ":" + th.path
			p.files[arg(0)] = f
		}
		if sc := t.tabs.lookup(th.abi, c.Number); sc != nil {
			p.nameEnd(arg(0), th, sc.Name == "bind") // fdnames_inet.go
		}
		return
	case fdSockName, fdPeerName:
		p.nameEnd(arg(0), th, th.spec.op == fdSockName) // fdnames_inet.go
		return
	case fdDup:
		p.copyFD(arg(0), fd, false)
	case fdDupTo:
		if c.NArg >= 2 {
			p.copyFD(arg(0), arg(1), cloexec)
		}
	case fdFcntl:
		if !fcntl(p, tab, c, fd) {
			return
		}
	case fdClose:
		delete(p.files, arg(0))
		return
	case fdCloseRange:
		closeRange(p, tab, c)
		return
	case fdChdir:
		if th.hasPath {
			p.cwd = t.absolute(p, th, th.path)
			if !path.IsAbs(p.cwd) {
				p.cwd = ""
			}
		}
		return
	case fdFchdir:
		if f, ok := p.files[arg(0)]; ok && path.IsAbs(f.name) {
			p.cwd = f.name
		} else {
			p.cwd = ""
		}
		return
	case fdExec:
		p.files = p.files.clone(true)
		return
	case fdFork:
		if forking && fd > 0 {
			t.forked(p, fd, fork.share)
		}
		return
	default:
		return
	}
	th.ret = p.files[fd].name
}

// copyFD makes descriptor to a copy of from (unknown when from is).
func (p *fdProc) copyFD(from, to int32, cloexec bool) {
	if f, ok := p.files[from]; ok {
		p.files[to] = fdFile{f.name, cloexec}
	} else {
		delete(p.files, to)
	}
}

// fcntl applies a successful fcntl call returning v, and reports
// whether v is a new descriptor.
func fcntl(p *fdProc, tab *arch.Table, c *format.Call, v int32) bool {
	if c.NArg < 3 {
		return false
	}
	cmd := int64(int32(c.Args[1]))
	is := func(name string) bool {
		n, ok := tab.Const(name)
		return ok && int64(n) == cmd
	}
	switch {
	case is("F_DUPFD"):
		p.copyFD(int32(c.Args[0]), v, false)
		return true
	case is("F_DUPFD_CLOEXEC"):
		p.copyFD(int32(c.Args[0]), v, true)
		return true
	case is("F_SETFD"):
		if f, ok := p.files[int32(c.Args[0])]; ok {
			fl, _ := tab.Const("FD_CLOEXEC")
			f.cloexec = c.Args[2]&fl != 0
			p.files[int32(c.Args[0])] = f
		}
	}
	return false
}

// closeRange closes descriptors first to last, or marks them
// close-on-exec with CLOSE_RANGE_CLOEXEC.
func closeRange(p *fdProc, tab *arch.Table, c *format.Call) {
	if c.NArg < 3 {
		return
	}
	first, last := uint32(c.Args[0]), uint32(c.Args[1])
	mark, _ := tab.Const("CLOSE_RANGE_CLOEXEC")
	for fd, f := range p.files {
		if uint32(fd) < first || uint32(fd) > last {
			continue
		}
		if mark != 0 && c.Args[2]&mark != 0 {
			f.cloexec = true
			p.files[fd] = f
		} else {
			delete(p.files, fd)
		}
	}
}

// forked gives child, the process a fork call of p made, p's table: now
// if it was not seen yet, else what it lacks when it was first seen
// without a parent.
func (t *fdTracker) forked(p *fdProc, child int32, share bool) {
	c := t.procs[child]
	switch {
	case c == nil:
		if len(t.expect) >= maxExpected {
			clear(t.expect) // children never seen: keep the map bounded
		}
		t.expect[child] = p.fork(share)
	case !c.inherited:
		for fd, f := range p.files {
			if _, ok := c.files[fd]; !ok {
				c.files[fd] = f
			}
		}
		if c.cwd == "" {
			c.cwd = p.cwd
		}
		c.inherited = true
	}
}

// absolute returns name made absolute against the directory descriptor
// of an *at call or the working directory, when they are known.
func (t *fdTracker) absolute(p *fdProc, th *fdThread, name string) string {
	if path.IsAbs(name) {
		return name
	}
	base := p.cwd
	if sc := t.tabs.lookup(th.abi, th.call.Number); sc != nil && len(sc.Args) > 0 &&
		sc.Args[0].Kind == arch.ArgDirFD && int32(th.call.Args[0]) != atFDCWD {
		base = p.files[int32(th.call.Args[0])].name
	}
	if !path.IsAbs(base) {
		return name
	}
	return path.Join(base, name)
}

// socketName names a socket of family and type: "socket:TCP", or
// "socket:[AF_PACKET SOCK_RAW]" when strace has no short name for it.
func socketName(tab *arch.Table, family, typ uint64) string {
	family, typ = uint64(uint32(family)), typ&sockTypeMask
	for _, s := range socketNames {
		if s.family == family && s.typ == typ {
			return "socket:" + s.name
		}
	}
	b := []byte("socket:[")
	b = appendSetValue(b, tab, "af", family)
	b = append(b, ' ')
	b = appendSetValue(b, tab, "socktype", typ)
	return string(append(b, ']'))
}

// appendSetValue appends v by its name in set, else in decimal.
func appendSetValue(b []byte, tab *arch.Table, set string, v uint64) []byte {
	if s := tableSet(tab, set); s != nil {
		mark := len(b)
		var ok bool
		if b, ok = s.AppendFormat(b, v); ok {
			return b
		}
		b = b[:mark]
	}
	return strconv.AppendUint(b, v, 10)
}

// appendFDName appends "<name>" when name is not empty.
func appendFDName(b []byte, name string) []byte {
	if name == "" {
		return b
	}
	b = append(b, '<')
	b = appendVisName(b, []byte(name))
	return append(b, '>')
}

// fdFeed shows every record to the descriptor tracker before the
// renderers and filters behind it.
type fdFeed struct {
	fds  *fdTracker
	next Renderer
}

func (f *fdFeed) Record(rec *format.Record) error {
	f.fds.observe(rec)
	return f.next.Record(rec)
}

func (f *fdFeed) Flush() error { return f.next.Flush() }
func (f *fdFeed) Close() error { return f.next.Close() }
