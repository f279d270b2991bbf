// Where profile, trace and binary replies are written: a new temporary file
// (as Go's os.CreateTemp("", prefix) names it, mode 0600) or the user's
// -o path. The -o file appears only once complete: it is written beside
// its final name and renamed, so a failed command never leaves half a file
// or destroys an older one.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::client {

class DumpFile {
 public:
  // $TMPDIR (else /tmp) + "/" + prefix + random suffix, mode 0600.
  static Result<DumpFile> temporary(std::string_view prefix);
  // `path`, with the mode a new file gets from the umask (0666 & ~umask).
  static Result<DumpFile> at(const std::string& path);

  DumpFile(DumpFile&& other) noexcept;
  DumpFile& operator=(DumpFile&&) = delete;
  ~DumpFile();  // removes the file unless commit() succeeded

  Status write(std::span<const char> bytes);
  // Flushes, closes and (for -o) renames into place.
  Status commit();
  // Removes a committed file (the Go gops deletes its temp files once the
  // viewer exits).
  void remove();

  const std::string& path() const { return path_; }

 private:
  DumpFile(int fd, std::string path, std::string writing_path)
      : fd_(fd), path_(std::move(path)), writing_path_(std::move(writing_path)) {}
  int fd_ = -1;
  std::string path_;          // the final name
  std::string writing_path_;  // where bytes go until commit()
  bool committed_ = false;
};

}  // namespace gops::client
