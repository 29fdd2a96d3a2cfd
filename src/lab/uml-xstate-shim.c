/*
 * LD_PRELOAD library for user-mode Linux (/usr/bin/linux.uml) on hosts whose XSAVE state is larger
 * than the buffer UML hands to ptrace.
 *
 * UML 6.1 saves and restores a guest process's FPU state with PTRACE_GETREGSET/PTRACE_SETREGSET
 * and NT_X86_XSTATE, always with a 2,696-byte buffer. The host kernel truncates a longer buffer and
 * a short read, but accepts a write only with its full XSAVE size (arch/x86/kernel/fpu/regset.c,
 * xstateregs_set: anything else is EFAULT). On CPUs with AMX that size is 11,008 bytes, so UML's
 * first write fails ("ptrace set fp regs failed, errno = 14") and the guest's init dies.
 *
 * For such a short write this library reads the tracee's full state with PTRACE_GETREGSET, copies
 * the caller's bytes over its start and writes the full size: the caller's image (legacy area,
 * XSAVE header, AVX, AVX-512) is applied, and the components past its end keep the tracee's own
 * values (for UML's guest processes, which cannot enable AMX, the initial tile state).
 *
 * Every other request, and every write the host accepts as it is, goes to libc's ptrace()
 * unchanged; on a host whose XSAVE size fits UML's buffer the library only adds a comparison.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);

static ptrace_fn next_ptrace;

/*
 * Room for the full state. Static, not on the stack: UML calls ptrace() on its own small kernel
 * stacks. 64 KiB is far above the 11,008 bytes of today's largest XSAVE area; a host that reports
 * this much or more is left alone (its EFAULT stands).
 */
static unsigned char full_state[64 * 1024] __attribute__((aligned(64)));

/* The host's full XSAVE size, learned at the first short write it rejected; 0 until then. */
static size_t host_size;

/* Set while full_state is in use, so a re-entrant call (from a signal handler) never shares it. */
static volatile sig_atomic_t busy;

__attribute__((constructor)) static void find_next_ptrace(void) {
  next_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
}

static long forward(enum __ptrace_request req, pid_t pid, void *addr, void *data) {
  if (!next_ptrace) find_next_ptrace();
  return next_ptrace(req, pid, addr, data);
}

/*
 * Writes `caller` (shorter than the host's XSAVE size) over the tracee's full state. Returns what
 * ptrace would: 0, or -1 with errno (EFAULT when the caller's buffer is not short after all).
 */
static long set_short_xstate(pid_t pid, const struct iovec *caller) {
  struct iovec full = {full_state, sizeof full_state};
  if (forward(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &full) != 0) return -1;
  if (full.iov_len <= caller->iov_len || full.iov_len >= sizeof full_state) {
    errno = EFAULT;
    return -1;
  }
  host_size = full.iov_len;
  memcpy(full_state, caller->iov_base, caller->iov_len);
  return forward(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &full);
}

long ptrace(enum __ptrace_request req, ...) {
  va_list ap;
  va_start(ap, req);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  const struct iovec *iov = data;
  if (req != PTRACE_SETREGSET || (unsigned long)addr != NT_X86_XSTATE || !iov || iov->iov_len % 8 != 0)
    return forward(req, pid, addr, data);
  if (host_size == 0 || iov->iov_len >= host_size) {
    long r = forward(req, pid, addr, data);
    if (r == 0 || errno != EFAULT || host_size != 0) return r;
  }
  if (busy) {
    errno = EFAULT;
    return -1;
  }
  busy = 1;
  long r = set_short_xstate(pid, iov);
  busy = 0;
  return r;
}
