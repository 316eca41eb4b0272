// Package format reads and writes ktrace trace files.
//
// A trace file is a sequence of records appended by one or more tracers. A
// Writer appends whole records with one write per batch, so several tracers
// may append to the same O_APPEND file without interleaving bytes. A Reader
// streams records back in constant memory, detects torn and corrupted
// records, reports them with their file offsets and resynchronises at the
// next good record.
//
// # Records
//
// Every record starts with a 48-byte header. All integers are little-endian.
//
//	offset size field
//	     0    2 sync: the bytes 'k' 't'
//	     2    2 type (see Type)
//	     4    4 length of the whole record, header included (48 to MaxRecordLen)
//	     8    4 CRC-32C (Castagnoli) of bytes 0..8 followed by bytes 12..length
//	    12    4 pid (thread group id)
//	    16    4 tid (thread id)
//	    20    8 time in nanoseconds since the epoch of the clock named in the start record
//	    28   16 command name (comm), NUL padded
//	    44    1 ABI of the system call convention (see arch.ABI)
//	    45    1 flags (see Flags)
//	    46    2 header check: the CRC-32C of bytes 0..8 followed by bytes
//	            12..46, its two halves XORed
//	    48      payload, length-48 bytes, laid out by type
//
// The header check lets a reader that resynchronises after damage reject
// a false record start without reading the length it claims.
//
// A reader that meets a type it does not know skips the record by its length,
// so new record types can be added without breaking old readers. Fields may
// be appended to a payload in later versions; readers ignore bytes past the
// fields they know.
//
// # Payloads
//
//	START (0)  0 [8]magic "KTRLINUX", 8 u16 format version, 10 u16 machine
//	           (arch.Machine), 12 u32 clock id (0 CLOCK_REALTIME), 16 u16 n,
//	           18 [n] kernel release, then u16 m, [m] host name
//	CALL (1)   0 u32 syscall number, 4 u16 argument count n (0..6), 6 u16 zero,
//	           8 [n]u64 arguments
//	RET (2)    0 u32 syscall number, 4 i32 error (0, an errno, or a kernel
//	           restart code 512..516), 8 i64 return value as the kernel returned it
//	NAMI (3)   path bytes as passed, no NUL
//	GIO (4)    0 i32 fd, 4 u8 direction (0 read, 1 write), 5 [3] zero,
//	           8 u64 bytes the call transferred, 16 u64 offset of this record's
//	           data within the transfer, 24 data (FlagCut when not all kept)
//	PSIG (5)   0 i32 signal, 4 u8 action (0 default, 1 ignored, 2 caught,
//	           3 unknown), 5 u8 what is known (1 handler, 2 mask, 4 sender),
//	           6 u16 zero, 8 u64 handler, 16 u64 blocked mask, 24 i32 si_code,
//	           28 i32 sender pid, 32 u32 sender uid, 36 u32 zero, then
//	           optionally 40 [PsigInfoSize] the head of the siginfo_t
//	           (PTRACE_GETSIGINFO, the machine's 64-bit layout)
//	CSW (6)    0 u8 1 stop / 0 resume, 1 u8 1 preempted (user) / 0 voluntary
//	           (kernel), 2 u16 zero, 4 wait reason bytes
//	EMUL (7)   ABI name, such as "linux-amd64"
//	USER (8)   0 u16 label length n, 2 [n] label, then data (at most MaxUserData)
//	STRU (9)   0 u16 name length n, 2 [n] struct name, then raw bytes
//	ARGS (10)  execve argv strings, each NUL terminated
//	ENVS (11)  execve environment strings, each NUL terminated
//	LOST (12)  0 u64 records lost, 8 u64 bytes lost, 16 reason text
//	EXIT (13)  0 u32 wait status (exit code << 8, or the signal | 0x80 for
//	           a core dump), 4 u32 zero
//
// # Flags
//
// FlagCut marks data kept only in part (GIO beyond --genio-size, long
// paths or argument lists); FlagUnreadable marks data the tracer could not
// read from the tracee's memory (what could be read, if anything, follows);
// FlagInferred marks a CSW record inferred from counters rather than seen.
//
// # Sessions
//
// Each tracer that opens a file first appends a START record. A file must
// begin with one; a file that is the concatenation of several traces
// decodes as one stream. A file whose first record is damaged is read as
// a damaged trace if a good record starts in its first MaxRecordLen
// bytes (the damage is reported at offset 0), else as no trace at all.
package format
