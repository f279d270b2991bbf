// binary dump (0x09): the running executable's bytes, streamed from
// /proc/self/exe (still the right file if it was replaced on disk).
#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "common/errno_text.hpp"
#include "agent/commands/commands.hpp"

namespace gops::agent {

Result<Reply> binary_reply() {
  Reply reply;
  reply.stream_fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (reply.stream_fd < 0) return Error{std::string("cannot open /proc/self/exe: ") + errno_text(errno)};
  return reply;
}

}  // namespace gops::agent
