// A program built against the installed gops package: starts the agent
// (the three lines a user adds), says so, then waits to be killed.
// argv[1] is the program version `gops version` shows.
#include <gops/agent.hpp>

#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  gops::agent::Options options;
  options.program_version = argc > 1 ? argv[1] : "consumer";
  if (auto r = gops::agent::listen(options); !r.ok) {
    std::fprintf(stderr, "gops agent: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("agent listening\n");
  std::fflush(stdout);
  pause();
}
