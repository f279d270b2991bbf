#include "goruntime/go_process.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "attach/access_error.hpp"
#include "binfmt/go_info.hpp"
#include "goruntime/traceback.hpp"

namespace gops::goruntime {
namespace {

// The release from runtime.buildVersion, for binaries whose build info
// was removed (some release pipelines strip .go.buildinfo).
Result<GoRelease> release_from_memory(const attach::ProcessMemory& memory, const RuntimeVars& vars) {
  auto addr = vars.build_version();
  if (!addr) return addr.error();
  auto ptr = attach::read_value<std::uint64_t>(memory, *addr);
  auto len = attach::read_value<std::uint64_t>(memory, *addr + 8);
  if (!ptr) return ptr.error();
  if (!len) return len.error();
  if (*len == 0 || *len > 256) return Error{"runtime.buildVersion is not a version string"};
  std::string text(*len, '\0');
  if (auto s = memory.read(*ptr, {reinterpret_cast<std::uint8_t*>(text.data()), text.size()}); !s) return s.error();
  auto release = parse_release(text);
  if (!release) return Error{"runtime.buildVersion is \"" + text + "\", not a Go release"};
  return *release;
}

}  // namespace

Result<std::unique_ptr<GoProcess>> GoProcess::open(pid_t pid) {
  struct stat sb {};
  if (::stat(("/proc/" + std::to_string(pid)).c_str(), &sb) != 0)
    return Error{"no process with PID " + std::to_string(pid)};
  std::unique_ptr<GoProcess> p(new GoProcess(pid));

  // /proc/PID/exe is as private as the memory: the same check refuses
  // both, and the access error says why.
  char link[16];
  if (::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), link, sizeof link) < 0 &&
      (errno == EACCES || errno == EPERM))
    return attach::access_error(pid, EPERM, attach::Access::kRead);
  auto exe = read_exe_layout(pid);
  if (!exe) return Error{"cannot read the executable of process " + std::to_string(pid) + ": " + exe.message()};

  // Which Go built it: the build info, else (stripped of it) the
  // runtime's own buildVersion once the function table is found.
  std::optional<GoRelease> release;
  bool go_sections = false;
  if (auto info = binfmt::read_go_info_file("/proc/" + std::to_string(pid) + "/exe")) {
    go_sections = true;
    release = parse_release(info->go_version);
  }

  // A release we cannot read is said as such before anything else fails.
  if (release)
    if (auto s = check_supported(*release); !s) return s.error();

  auto md = find_moduledata(p->memory_, *exe);
  if (!md) {
    if (!go_sections) return Error{"process " + std::to_string(pid) + " is not a Go program (" + exe->path + ")"};
    return md.error();
  }
  p->module_ = *md;
  if (!release) {
    // A table without funcdata is enough to find buildVersion.
    auto bare = PcLnTab::open(p->memory_, p->reader_, *md, 0);
    if (!bare) return bare.error();
    RuntimeVars vars(**bare, p->reader_);
    auto r = release_from_memory(p->memory_, vars);
    if (!r) return Error{"cannot tell which Go release built process " + std::to_string(pid) + ": " + r.message()};
    release = *r;
  }
  p->release_ = *release;
  if (auto s = check_supported(p->release_); !s) return s.error();
  auto layout = runtime_layout(p->release_.minor);
  if (!layout) return Error{"no runtime layout for " + p->release_.text};
  p->layout_ = *layout;

  auto gofunc = read_gofunc(p->memory_, *md, p->layout_.moduledata_gofunc);
  if (!gofunc) return gofunc.error();
  auto table = PcLnTab::open(p->memory_, p->reader_, *md, *gofunc);
  if (!table) return table.error();
  p->table_ = std::move(*table);
  p->vars_ = std::make_unique<RuntimeVars>(*p->table_, p->reader_);
  p->traceback_cache_ = std::make_unique<TracebackCache>();
  return p;
}

GoProcess::GoProcess(pid_t pid) : memory_(pid), reader_(memory_, arena_) {}
GoProcess::~GoProcess() = default;

}  // namespace gops::goruntime
