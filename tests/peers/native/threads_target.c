/* The C peer of the agentless native stack tests: a few threads parked on
 * a futex in c_park_outer -> c_park_inner -> c_parked_in_futex, and the
 * main thread in pause(). Prints "ready pid=P" once every thread is
 * parked. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int futex_word;
static int parked_count;

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

/* Whether thread `tid` of this process is blocked in system call `nr`. */
static int blocked_in(pid_t tid, long nr) {
  char path[64], buf[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
  FILE* f = fopen(path, "re");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return n > 0 && strtol(buf, NULL, 10) == nr;
}

__attribute__((noinline)) void c_parked_in_futex(void) {
  for (;;) syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}
__attribute__((noinline)) void c_park_inner(void) {
  c_parked_in_futex();
  __asm__ volatile("");
}
__attribute__((noinline)) void c_park_outer(void) {
  c_park_inner();
  __asm__ volatile("");
}

static pid_t tids[64];

static void* thread_main(void* arg) {
  int i = (int)(long)arg;
  pthread_setname_np(pthread_self(), "c-parked");
  __atomic_store_n(&tids[i], gettid_(), __ATOMIC_SEQ_CST);
  c_park_outer();
  return NULL;
}

int main(int argc, char** argv) {
  parked_count = argc > 1 ? atoi(argv[1]) : 4;
  if (parked_count > 64) parked_count = 64;
  for (int i = 0; i < parked_count; ++i) {
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, (void*)(long)i) != 0) return 1;
  }
  for (int i = 0; i < parked_count; ++i) {
    while (__atomic_load_n(&tids[i], __ATOMIC_SEQ_CST) == 0) usleep(1000);
    while (!blocked_in(tids[i], SYS_futex)) usleep(1000);
  }
  printf("ready pid=%d\n", (int)getpid());
  fflush(stdout);
  for (;;) pause();
}
