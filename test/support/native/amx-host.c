/*
 * LD_PRELOAD library that makes this host's ptrace look like that of a host with AMX for
 * NT_X86_XSTATE: an XSAVE size of 11,008 bytes, with the components this CPU lacks in their
 * initial (zero) state. A read returns min(buffer, 11,008) bytes; a write is refused with EFAULT
 * unless it carries 11,008 bytes (arch/x86/kernel/fpu/regset.c, xstateregs_set), and is then
 * passed on cut to this host's own size. test/kernel/uml-amx-host.test.ts boots user-mode Linux
 * with it, alone (the guest must die as it does on such a CPU) and after the ptrace shim.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define AMX_XSAVE_SIZE 11008

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);
static ptrace_fn next_ptrace;
static unsigned char state[64 * 1024] __attribute__((aligned(64)));

__attribute__((constructor)) static void find_next_ptrace(void) {
  next_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
}

/* This host's state, zero-padded to AMX_XSAVE_SIZE; its real size in *real, or -1 with errno. */
static long read_state(pid_t pid, size_t *real) {
  struct iovec io = {state, sizeof state};
  if (next_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &io) != 0) return -1;
  if (io.iov_len < AMX_XSAVE_SIZE) memset(state + io.iov_len, 0, AMX_XSAVE_SIZE - io.iov_len);
  *real = io.iov_len;
  return 0;
}

long ptrace(enum __ptrace_request req, ...) {
  va_list ap;
  va_start(ap, req);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  struct iovec *iov = va_arg(ap, struct iovec *);
  va_end(ap);
  if ((req != PTRACE_GETREGSET && req != PTRACE_SETREGSET) || (unsigned long)addr != NT_X86_XSTATE || !iov ||
      iov->iov_len % 8 != 0)
    return next_ptrace(req, pid, addr, iov);
  size_t len = iov->iov_len < AMX_XSAVE_SIZE ? iov->iov_len : AMX_XSAVE_SIZE, real;
  if (req == PTRACE_SETREGSET && len != AMX_XSAVE_SIZE) {
    errno = EFAULT;
    return -1;
  }
  if (read_state(pid, &real) != 0) return -1;
  if (req == PTRACE_GETREGSET) {
    memcpy(iov->iov_base, state, len);
    iov->iov_len = len;
    return 0;
  }
  struct iovec cut = {iov->iov_base, real};
  return next_ptrace(PTRACE_SETREGSET, pid, addr, &cut);
}
