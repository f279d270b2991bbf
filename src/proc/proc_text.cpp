#include "proc/proc_text.hpp"

namespace gops::proc {

std::string join_cmdline(std::string_view raw) {
  std::string out;
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t end = raw.find('\0', i);
    if (end == std::string_view::npos) end = raw.size();
    if (end > i) {
      if (!out.empty()) out += ' ';
      out.append(raw.substr(i, end - i));
    }
    i = end + 1;
  }
  return out;
}

}  // namespace gops::proc
