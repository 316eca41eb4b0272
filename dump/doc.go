// Package dump renders ktrace records for kdump: FreeBSD-style text, JSON
// Lines, or a per-syscall summary.
//
// # Text
//
// Each record starts with the columns `%6d %-8.8s ` (pid, comm; with -H
// `%6d %6d %-8.8s `, pid, tid, comm), then a time column for each of -T
// (absolute), -E (elapsed since the first record shown) and -R (since
// the previous record shown) as `%d.%09d `, then the type `%-4s` and two
// spaces:
//
//	4242 cat      CALL  openat(AT_FDCWD,0x7ffc1c2a4f10,0x80000<O_RDONLY|O_CLOEXEC>)
//	4242 cat      NAMI  "/etc/hostname"
//	4242 cat      RET   openat 3
//	4242 cat      GIO   fd 3 read 5 bytes
//	     "host\n"
//	4242 cat      RET   read 1024/0x400
//	4242 cat      RET   openat -1 errno 2 No such file or directory
//	4242 cat      RET   read RESTART
//	4242 cat      PSIG  SIGUSR1 caught handler=0x401a30 mask=0x0 code=SI_USER pid=4100 uid=1000
//	4242 cat      CSW   stop kernel "read"
//	4242 cat      ARGS  [0] = "cat"
//	                    [1] = "/etc/hostname"
//	4242 cat      USER  "label" 3 bytes
//	4242 cat      STRU  stat 144 bytes
//	4242 cat      LOST  7 records (700 bytes) lost: disk full
//	4242 cat      UNKNOWN(99)  record of 54 bytes at offset 1234
//
// CALL arguments follow the system call's signature in the table of the
// record's ABI, so a trace from another machine decodes the same: hex
// (%#x, decimal with -d), flags as %#x<NAME|NAME>, enumerations and
// signals by name, modes in octal, AT_FDCWD by name. Raw mode (-n) prints
// every argument as a number and errors without their text. A number
// the table does not know prints as SYS_n.
//
// Strings are shown vis-escaped in double quotes, C style (\n, \t, \",
// \\, \0, other bytes as \ooo), printable UTF-8 characters as they are.
// I/O data (GIO, USER and the raw bytes of STRU) follows its record as
// vis-escaped quoted lines indented 7 columns and wrapped at 80 columns,
// or as a hex dump (offset, 16 bytes, ASCII) when more than a quarter of
// the bytes are not text, or always with -x (hex) or -X (hex and ASCII).
// -m limits the bytes shown, -s shows none. A cut GIO record says how
// much was captured of how much; data the tracer could not read is
// marked. Continuation records of a long transfer give their offset.
//
// With -r, STRU records whose layout is known are decoded member by
// member, for the layouts of the record's ABI. The names decoded are
// "stat" (struct stat as the ABI's stat calls fill it; i386 also the 96
// byte stat64 and 64 byte old stat), "statx", "timespec", "timeval" and
// "sockaddr" (AF_UNIX, AF_INET, AF_INET6 member by member); "stat64",
// "sockaddr_un", "sockaddr_in" and "sockaddr_in6" are taken as aliases.
//
// START records are not shown as text.
//
// # JSON
//
// One object per line. Every object has offset, type ("CALL", ...,
// "UNKNOWN"), type_num, pid, tid, comm, time ({"sec":S,"nsec":N}), abi,
// flags (the raw bits) and, when set, cut, unreadable and inferred. Then
// per type:
//
//	START  version, machine, clock, release, hostname
//	CALL   syscall, number, args (the registers as decimal strings),
//	       decoded (one string per argument), text
//	RET    syscall, number, value (what the program sees, "-1" for an
//	       error, as a decimal string), raw (the register, a string),
//	       errno (0 on success), and for errors error (the name),
//	       strerror, restart; text
//	NAMI   path;  EMUL emul
//	GIO    fd, dir ("read" or "write"), len, data_offset, captured (bytes
//	       held), size (bytes shown, after -m), data (a string, when the
//	       bytes are UTF-8 text) or data_base64, text
//	PSIG   signal, signame, action, handler, mask (decimal strings),
//	       code, code_name, sender_pid, sender_uid (the optional ones
//	       when known), text
//	CSW    stop, user, wait, text
//	USER   label, captured, size, data or data_base64
//	STRU   name, captured, size, data or data_base64, decoded (when known)
//	ARGS, ENVS  strings
//	LOST   records, bytes, reason
//	UNKNOWN length
//
// A record whose payload does not decode has a "bad_record" field. Strings
// that are not valid UTF-8 have the bad bytes replaced by U+FFFD; path,
// emul and strings then come with path_base64, emul_base64 and
// strings_base64 holding the bytes as they are.
//
// Values that may exceed 2^53 (times, registers, addresses) are never
// JSON numbers, so that JavaScript and jq read them exactly. The schemas
// are docs/schema/kdump-record.json and docs/schema/kdump-call.json.
//
// # Calls
//
// With --calls (ModeCalls, ModeCallsJSON) each system call is one line,
// strace style: arguments decoded (decimal numbers, flags by name), the
// paths, data, structures and execve arguments of its records in place
// of their pointers, the result and the duration:
//
//	4242 cat      openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3 <0.000008>
//
// A call another record interrupts is split as strace splits it
// ("<unfinished ...>", "<... openat resumed>"). As JSON, one object per
// call (see the schema).
//
// # Descriptor names
//
// With Options.FDNames (kdump -y), descriptor arguments and the
// descriptors calls return are followed by what they refer to, as strace
// -y shows them: read(3</etc/passwd>,...), RET openat 3</etc/hosts>,
// close(5<pipe>). NewRenderer puts a tracker in front of the filters
// that follows each process's descriptor table through the records
// (fdnames.go): successful opens, sockets, pipes, dups, closes, forks and
// execs. Descriptors it has not seen made print as plain numbers.
//
// # Filters
//
// Options.Filter (a CallFilter) selects whole calls (--syscalls, -Z, -z,
// -P) and records (--comm, --since, --until); NewRenderer puts it in
// front of any mode.
//
// # Summary
//
// A table like strace -c: share of time, seconds, microseconds per call,
// calls, errors (restarts are not errors) and name, sorted by time spent
// or by Options.Sort, one table or one per process or thread. A call's
// time is wall time from its CALL to the RET of the same thread.
//
// # Timeline and Perfetto
//
// Timeline (--timeline) writes one self-contained HTML page drawing each
// thread as a row over time; Perfetto (--perfetto) writes the Chrome
// trace event format. See timeline_html.go and perfetto.go.
package dump
