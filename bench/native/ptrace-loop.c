/*
 * The ptrace calls user-mode Linux makes around every system call of a guest process, in a loop on
 * a stopped child: PTRACE_GETREGS, then PTRACE_GETREGSET and PTRACE_SETREGSET of NT_X86_XSTATE with
 * UML 6.1's 2,696-byte buffer. bench/uml-boot.ts runs it with and without the ptrace shim in
 * LD_PRELOAD. Prints "ns_per_round=N user_ns_per_round=U" (medians of 5 batches; U is the time
 * spent in user mode, where the shim's own work shows without the kernel's noise), or "error=..."
 * and exits 1.
 *   ptrace-loop [ROUNDS_PER_BATCH]
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UML_FP_BYTES 2696
#define BATCHES 5

static unsigned char fp[UML_FP_BYTES] __attribute__((aligned(64)));

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static double user_ns(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec * 1e9 + u.ru_utime.tv_usec * 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 20000;
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  struct user_regs_struct regs;
  double per[BATCHES], user[BATCHES];
  for (int b = 0; b < BATCHES; b++) {
    double t0 = now_ns(), u0 = user_ns();
    for (long i = 0; i < rounds; i++) {
      struct iovec io = {fp, sizeof fp};
      if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0 ||
          ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &io) != 0 ||
          ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &(struct iovec){fp, sizeof fp}) != 0) {
        printf("error=%s\n", strerror(errno));
        kill(pid, SIGKILL);
        return 1;
      }
    }
    per[b] = (now_ns() - t0) / rounds;
    user[b] = (user_ns() - u0) / rounds;
  }
  qsort(per, BATCHES, sizeof per[0], cmp);
  qsort(user, BATCHES, sizeof user[0], cmp);
  printf("ns_per_round=%.0f user_ns_per_round=%.0f\n", per[BATCHES / 2], user[BATCHES / 2]);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return 0;
}
