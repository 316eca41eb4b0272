/*
 * utrace for Linux programs traced by ktrace.
 *
 * ktrace_utrace(label, addr, len) puts a USER record into the trace of a
 * process traced with ktrace -t u (u is in the default set): the label, a
 * NUL-terminated string of at most KTRACE_UTRACE_MAXLABEL bytes, and len
 * bytes at addr (at most KTRACE_UTRACE_MAXLEN are kept). Traced, it
 * returns 0. Not traced, or traced without -t u, it changes nothing and
 * returns -1 with errno ENOSYS: the number is one no kernel defines, so
 * the cost is one system call that the kernel turns down at once.
 *
 * kdump prints the records as USER lines; kdump -u LABEL shows only those
 * of one label.
 */
#ifndef KTRACE_UTRACE_H
#define KTRACE_UTRACE_H

#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KTRACE_UTRACE_NR 0x6b7472L
#define KTRACE_UTRACE_MAXLABEL 20
#define KTRACE_UTRACE_MAXLEN 2048

static inline int ktrace_utrace(const char *label, const void *addr, size_t len)
{
	return (int)syscall(KTRACE_UTRACE_NR, label, addr, len);
}

#endif
