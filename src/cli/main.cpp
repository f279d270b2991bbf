// gops: lists and diagnoses Go and C++ processes. Parse, run, and make sure
// what was printed reached stdout.
#include <malloc.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/cli.hpp"
#include "common/errno_text.hpp"
#include "common/prefault.hpp"

namespace {

// A full disk or a closed descriptor is an error, not a silent exit 0.
int finish_stdout(int code) {
  errno = 0;
  bool flushed = std::fflush(stdout) == 0;
  if (flushed && !std::ferror(stdout)) return code;
  // A write that failed before (inside iostreams, say) leaves only the flag.
  gops::cli::fail(!flushed && errno != 0 ? "write to stdout: " + gops::errno_text(errno)
                                         : std::string("write to stdout failed"));
  return code == 0 ? 1 : code;
}

// The first allocations grow glibc's heap a page fault at a time (a dozen
// for the list; 15 to 100 us each on the VM measured). Growing it once and
// making the pages present in one call (common/prefault.hpp) serves them
// from memory instead. The heap keeps what is freed here: its trim
// threshold is raised above it.
void warm_heap() {
  constexpr std::size_t kWarm = 128 * 1024;
  ::mallopt(M_TRIM_THRESHOLD, 4 * kWarm);
  ::mallopt(M_MMAP_THRESHOLD, 2 * kWarm);  // this block from the heap, not its own mapping
  void* block = std::malloc(kWarm);
  if (block == nullptr) return;
  gops::prefault(block, kWarm);
  std::free(block);
}

}  // namespace

int main(int argc, char** argv) {
  warm_heap();
  const auto args = gops::cli::normalize_args(argc, argv);
  gops::cli::Cli cli(args);
  gops::cli::add_commands(cli);
  if (auto done = cli.parse(args)) return finish_stdout(*done);
  return finish_stdout(cli.run());
}
