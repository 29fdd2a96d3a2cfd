/*
 * Probe of PTRACE_SETREGSET/NT_X86_XSTATE with a buffer shorter than the host's XSAVE size, the
 * write user-mode Linux makes on CPUs with AMX (test/host/uml-xstate-shim.test.ts runs it with and
 * without the ptrace shim in LD_PRELOAD). Prints key=value lines:
 *   size=N         the host's full XSAVE size (PTRACE_GETREGSET with a large buffer: the kernel truncates)
 *   short=LEN      the length of the short write: the legacy area and XSAVE header only (576 bytes)
 *   short_set=0|E  what the short write returned (0, or the errno: 14 is EFAULT)
 *   head=ok|bad    after the short write, XMM0-15 (in the caller's bytes) hold the values written
 *   tail=ok|bad    and the AVX upper halves (past the caller's bytes) kept the tracee's own values
 *   peek=ok|bad    PTRACE_PEEKDATA of a known word still returns it (other requests pass through)
 *   long_set=0|E   a write longer than the host's size (the kernel truncates it) still works
 * The traced child is stopped all along and killed at the end; it never runs with the state written.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEGACY_AND_HEADER 576 /* x87/SSE area (512) + XSAVE header (64) */
#define XMM 160               /* XMM0-15 in the legacy area */
#define XMM_SIZE 256
#define AVX 576               /* YMM_Hi128 in the standard format: the upper halves of YMM0-15 */
#define AVX_SIZE 256
#define XSTATE_BV 512         /* first word of the XSAVE header */

static volatile long magic = 0x5eed1e55c0ffee11L;
static unsigned char before[65536] __attribute__((aligned(64)));
static unsigned char image[65536] __attribute__((aligned(64)));
static unsigned char after[65536] __attribute__((aligned(64)));

static size_t get_state(pid_t pid, unsigned char *buf) {
  struct iovec io = {buf, 65536};
  if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &io) != 0) return 0;
  return io.iov_len;
}

static long set_state(pid_t pid, unsigned char *buf, size_t len) {
  struct iovec io = {buf, len};
  return ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &io) == 0 ? 0 : errno;
}

int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    _exit(0);
  }
  int status;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) return 2;
  size_t size = get_state(pid, before);
  printf("size=%zu\nshort=%d\n", size, LEGACY_AND_HEADER);
  if (size <= AVX + AVX_SIZE) { /* no AVX: nothing past the header to keep */
    kill(pid, SIGKILL);
    return 3;
  }
  /* A known tail first: AVX upper halves set by a full-size write (which every host accepts). */
  memcpy(image, before, size);
  for (int i = 0; i < AVX_SIZE; i++) image[AVX + i] = (unsigned char)(0xa5 ^ i);
  uint64_t bv;
  memcpy(&bv, image + XSTATE_BV, 8);
  bv |= 1u << 2; /* AVX in use, so the kernel loads it from the image */
  memcpy(image + XSTATE_BV, &bv, 8);
  if (set_state(pid, image, size) != 0) return 4;
  /* The short write: new XMM0-15 in the caller's bytes, nothing past the header. */
  for (int i = 0; i < XMM_SIZE; i++) image[XMM + i] = (unsigned char)(0x3c + i);
  printf("short_set=%ld\n", set_state(pid, image, LEGACY_AND_HEADER));
  get_state(pid, after);
  printf("head=%s\n", memcmp(after + XMM, image + XMM, XMM_SIZE) == 0 ? "ok" : "bad");
  printf("tail=%s\n", memcmp(after + AVX, image + AVX, AVX_SIZE) == 0 ? "ok" : "bad");
  errno = 0;
  long word = ptrace(PTRACE_PEEKDATA, pid, (void *)&magic, 0);
  printf("peek=%s\n", word == magic && errno == 0 ? "ok" : "bad");
  memcpy(image, after, size);
  printf("long_set=%ld\n", set_state(pid, image, size + 64));
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return 0;
}
