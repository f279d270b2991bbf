// A small client of the attach library, run as its own process so tests
// can signal it or run it as another user:
//   freeze_holder hold PID   stop every thread, print "frozen N", wait
//                            for a termination signal, thaw, print
//                            "thawed", end (the signal then ends it)
//   freeze_holder read PID ADDR   read 8 bytes at ADDR, print them
// Errors go to stderr as one line, exit status 1.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "attach/freeze.hpp"
#include "attach/process_memory.hpp"

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string mode = argv[1];
  pid_t pid = static_cast<pid_t>(std::atoi(argv[2]));
  if (mode == "read" && argc > 3) {
    gops::attach::ProcessMemory mem(pid);
    auto v = gops::attach::read_value<unsigned long>(mem, std::strtoull(argv[3], nullptr, 0));
    if (!v) {
      std::fprintf(stderr, "%s\n", v.message().c_str());
      return 1;
    }
    std::printf("%lu\n", *v);
    return 0;
  }
  auto freeze = gops::attach::Freeze::stop(pid);
  if (!freeze) {
    std::fprintf(stderr, "%s\n", freeze.message().c_str());
    return 1;
  }
  std::printf("frozen %zu\n", (*freeze)->threads().size());
  std::fflush(stdout);
  while (!(*freeze)->interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto paused = (*freeze)->thaw();
  std::printf("thawed after %lld us\n", static_cast<long long>(paused.count() / 1000));
  std::fflush(stdout);
  return 0;  // the guard ends with *freeze: the pending signal is delivered then
}
