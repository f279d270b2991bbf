// Where profile, trace and binary replies are written: a new temporary file
// (as Go's os.CreateTemp("", prefix) names it, mode 0600) or the user's
// -o path, treated as a shell redirection would treat it, without its
// dangers:
//
//  - "-", or a path that is not a regular file (a device such as
//    /dev/null, a FIFO, a terminal, /dev/stdout when stdout is a pipe): the
//    data is written into it, as `> PATH` would. A FIFO without a reader
//    waits for one, as the shell does. A regular file that is our own
//    stdout or stderr (/dev/stdout redirected to a file) is written through
//    that descriptor.
//  - a regular file: replaced only once the data is complete. The data goes
//    into a new file beside it (created O_EXCL|O_NOFOLLOW, mode 0600),
//    which gets the old file's mode (and owner, when we are root) and is
//    renamed over it, and only if that name still holds the file checked
//    at the start. A file we may not write is refused, as `>` refuses it.
//  - nothing there yet: a new file (mode 0666 & ~umask), renamed into place
//    without replacing anything that appeared meanwhile.
//  - a symlink is followed by the kernel's open (so its protections for
//    sticky directories apply) and what it points to is treated as above:
//    the link stays and its target is replaced. A symlink to nothing is
//    refused rather than followed into a new file.
//
// A failed command, a cap reached, or SIGINT/SIGTERM/SIGHUP/SIGQUIT never
// leave a partial file (interrupt_cleanup.hpp); data already written into a
// device or pipe cannot be taken back.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::client {

class DumpFile {
 public:
  // $TMPDIR (else /tmp) + "/" + prefix + random suffix, mode 0600.
  static Result<DumpFile> temporary(std::string_view prefix);
  // The -o path, as above.
  static Result<DumpFile> at(const std::string& path);

  DumpFile(DumpFile&& other) noexcept;
  DumpFile& operator=(DumpFile&&) = delete;
  ~DumpFile();  // removes the partial file unless commit() succeeded

  Status write(std::span<const char> bytes);
  // Flushes, closes and (for a replaced or new -o file) renames into place.
  Status commit();
  // Removes a committed temporary file (the Go gops deletes its temp files
  // once the viewer exits). Does nothing to an -o path.
  void remove();

  // The name the user knows the output by (the -o text as given).
  const std::string& path() const { return path_; }
  // Whether the data goes straight into the target (a device, a pipe, our
  // stdout) rather than into a file of its own.
  bool streams() const { return mode_ == Mode::kStream; }
  // Whether the data goes to this process's stdout (so nothing else should).
  bool is_stdout() const { return to_stdout_; }

 private:
  enum class Mode { kTemporary, kStream, kReplace, kCreate };
  DumpFile() = default;
  void discard() noexcept;

  Mode mode_ = Mode::kTemporary;
  int fd_ = -1;
  bool owns_fd_ = true;     // false for our own stdout
  bool to_stdout_ = false;
  std::string path_;        // as shown
  int dir_fd_ = -1;         // kReplace/kCreate: the directory of the final name
  std::string final_name_;  // in dir_fd_
  std::string part_name_;   // in dir_fd_ (kTemporary: the full path)
  dev_t old_dev_ = 0;       // kReplace: the file that may be replaced
  ino_t old_ino_ = 0;
  mode_t new_mode_ = 0600;
  uid_t old_uid_ = 0;
  gid_t old_gid_ = 0;
  int cleanup_slot_ = -1;
  bool committed_ = false;
};

}  // namespace gops::client
