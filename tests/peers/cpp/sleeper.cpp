// A C++ program that sleeps: a non-Go process for the list tests, built by
// the project's compiler so its .comment names a known toolchain.
#include <unistd.h>

#include <cstdio>

int main() {
  std::puts("ready");
  std::fflush(stdout);
  for (;;) pause();
}
