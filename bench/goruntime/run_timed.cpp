// run_timed N COMMAND ARGS...: runs COMMAND N times (stdout to /dev/null,
// stderr kept) and prints one line per run: wall microseconds, CPU
// microseconds of the command (user + system, from wait4), exit status.
// CPU time is what a dump costs; wall time on a shared machine is mostly
// the neighbours.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: run_timed N COMMAND ARGS...\n");
    return 2;
  }
  int n = std::atoi(argv[1]);
  for (int i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::execvp(argv[2], argv + 2);
      ::_exit(127);
    }
    int status = 0;
    rusage ru{};
    ::wait4(pid, &status, 0, &ru);
    auto wall = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    std::printf("%lld %ld %d\n", static_cast<long long>(wall.count()), cpu,
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    std::fflush(stdout);
  }
}
