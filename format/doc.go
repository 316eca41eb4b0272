// Package format reads and writes ktrace trace files.
//
// A trace file is a sequence of records appended by one or more tracers. A
// Writer appends whole records with one write per batch, so several tracers
// may append to the same O_APPEND file without interleaving bytes. A Reader
// streams records back in constant memory, detects torn and corrupted
// records, reports them with their file offsets and resynchronises at the
// next good record.
//
// Two format versions exist. Version 1 gives every record a 48-byte
// header. Version 2, which a Writer writes unless told otherwise, keeps
// the START record of version 1 and writes every other record in frames
// of compact records (see "Version 2" below): a traced getppid, CALL and
// RET, takes about 30 bytes instead of 120. A Reader reads both, mixed
// in any order: the first bytes of each record or frame say which it
// is.
//
// # Records
//
// In version 1 every record starts with a 48-byte header. All integers
// are little-endian.
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
// The payloads below are those of version 1, and of version 2 but for
// CALL and RET (see "Version 2"). The Reader hands out every payload in
// this layout, whatever the version.
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
//	           28 i32 sender pid, 32 u32 sender uid, 36 u32 zero
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
// # Version 2
//
// A version 2 session starts with a START record of version 1 layout
// whose version field is 2. The records after it are in frames: each
// batch a Writer hands to the file in one write is one frame (or a few,
// none longer than MaxFrameLen). A frame starts with a 20-byte header:
//
//	offset size field
//	     0    2 sync: the bytes 'k' 'T' (a version 1 record has 'k' 't')
//	     2    1 version: 2
//	     3    1 zero
//	     4    4 length of the frame, header included (20 to MaxFrameLen)
//	     8    8 base time: the time of the frame's first record
//	    16    4 CRC-32C of bytes 0..16
//
// The frame's key is the CRC-32C of its bytes 8..16; the checks of its
// records start from it, so a record is never taken for one of another
// frame. The records follow back to back up to the frame's length:
//
//	uvarint  length: the bytes of the record after this field
//	1 byte   tf: type in bits 0..3, flags in bits 4..6, bit 7 set when
//	         the record defines its context; type 15 (escape) when the
//	         type is 15 or more or a flag above bit 2 is set
//	1 byte   head check: the CRC-32C of the length and tf bytes, from
//	         the key, its four bytes XORed together
//	         (escape only: uvarint type, 1 byte flags)
//	uvarint  context: the index of the record's thread in the frame
//	         (only when defining: varint pid, varint tid - pid, 1 byte
//	         ABI, 1 byte comm length n (0..16), n bytes comm)
//	varint   time minus the frame's base time
//	         body
//	4 bytes  CRC-32C of every byte of the record before it, from the key
//
// varint is zigzag (encoding/binary's Varint). A context is the pid,
// tid, command name and ABI a version 1 header carries; the first record
// of the frame with a new context defines it with the next index, and
// later records of the frame name it by the index alone. Each frame
// starts with no context defined, so no frame depends on another: a
// frame decodes alone, whoever wrote what came before it.
//
// The body of a CALL is uvarint syscall number, 1 byte argument count n
// (0..6), then n varints, the arguments as int64; the body of a RET is
// uvarint syscall number, varint return value, varint error minus the
// error the value implies (see RetFromValue; 0 nearly always). Records
// of other types, and CALL and RET records written with the escape type
// (WriteBytes, or flags above bit 2), hold the version 1 payload as it
// is.
//
// Damage: a frame header whose check fails is reported at its offset,
// and the Reader resynchronises at the next frame header or version 1
// record. Within a frame, a record whose head check or CRC fails is
// reported at its offset and the Reader goes on at the next good record
// of the frame: any byte of the frame may start one, each candidate
// costing a head check and, for the few that pass it, a CRC from the
// checkpoints of crcIndex, so that resynchronising stays linear. A
// record that names a context whose defining record was damaged is
// reported at its own offset. A frame that the stream ends inside (a
// torn write) reports what it lost: the torn record, or, when the stream
// ends between records, the rest of the frame, as damage of zero bytes
// at that offset.
//
// # Sessions
//
// Each tracer that opens a file first appends a START record. A file must
// begin with one; a file that is the concatenation of several traces
// decodes as one stream. A file whose first record is damaged is read as
// a damaged trace if a good record starts in its first MaxRecordLen
// bytes (the damage is reported at offset 0), else as no trace at all.
package format
