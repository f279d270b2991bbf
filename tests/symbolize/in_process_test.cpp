// The symbolizer of this process (symbolize/in_process.hpp), against what
// the dynamic loader says of the same addresses.
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "symbolize/in_process.hpp"

namespace gops::test {
namespace {

struct Loaded {
  std::string file;         // the object's file name, no directory
  std::uintptr_t base = 0;  // where its first byte is loaded
};

Loaded loaded_object_of(const void* address) {
  Dl_info info{};
  if (::dladdr(address, &info) == 0 || info.dli_fname == nullptr) return {};
  std::string path = info.dli_fname;
  return {path.substr(path.rfind('/') + 1), reinterpret_cast<std::uintptr_t>(info.dli_fbase)};
}

// Addresses far from every object the loader placed (a PIE program at
// 0x55..., libraries near the top), so that no module's neighbourhood holds
// them, and outside ASan's shadow and allocator regions.
void* far_away(int slot) {
  return reinterpret_cast<void*>(std::uintptr_t{0x500000000000} + slot * (std::uintptr_t{1} << 30));
}

// libelf maps each ELF file it reads, libc's among them, somewhere else in
// the process; a module list reported again afterwards (as after a
// dlopen, or an address in generated code) still places libc where the
// loader put it.
TEST(InProcessSymbolizer, LibcStaysWhereItIsLoadedAfterARefresh) {
  const auto* getpid_code = reinterpret_cast<const void*>(&::getpid);
  const auto* getppid_code = reinterpret_cast<const void*>(&::getppid);
  Loaded libc = loaded_object_of(getpid_code);
  ASSERT_NE(libc.file.find("libc.so"), std::string::npos) << libc.file;

  auto first = symbolize::module_location(reinterpret_cast<std::uintptr_t>(getpid_code));
  EXPECT_EQ(first.module, libc.file);
  EXPECT_EQ(first.module_offset, reinterpret_cast<std::uintptr_t>(getpid_code) - libc.base);

  // The whole file mapped again, as libelf maps what it reads.
  Dl_info info{};
  ASSERT_NE(::dladdr(getpid_code, &info), 0);
  int fd = ::open(info.dli_fname, O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  auto size = static_cast<std::size_t>(st.st_size);
  void* copy = ::mmap(far_away(1), size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
  ::close(fd);
  ASSERT_NE(copy, MAP_FAILED);

  // An address in no module makes the next lookup report the modules again.
  void* anonymous =
      ::mmap(far_away(0), 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_NE(anonymous, MAP_FAILED);
  symbolize::allow_refresh();
  unsigned generation = symbolize::generation();
  auto nowhere = symbolize::module_location(reinterpret_cast<std::uintptr_t>(anonymous) + 16);
  EXPECT_NE(symbolize::generation(), generation) << "the modules were not reported again";
  EXPECT_EQ(nowhere.module, "") << "a page in no object named after " << nowhere.module;

  auto after = symbolize::module_location(reinterpret_cast<std::uintptr_t>(getppid_code));
  EXPECT_EQ(after.module, libc.file);
  EXPECT_EQ(after.module_offset, reinterpret_cast<std::uintptr_t>(getppid_code) - libc.base);
  auto in_copy = symbolize::module_location(reinterpret_cast<std::uintptr_t>(copy) + 64);
  EXPECT_EQ(in_copy.module, "") << "the file's second mapping is not code: " << in_copy.module;

  ::munmap(anonymous, 4096);
  ::munmap(copy, size);
}

}  // namespace
}  // namespace gops::test
