// Partial files removed when the CLI is interrupted: SIGINT, SIGTERM,
// SIGHUP or SIGQUIT while a reply is being saved must not leave half a
// profile behind. The handler unlinks every armed file, then lets the
// signal end the process as it would have (a signal the parent had us
// ignore stays ignored).
#pragma once

namespace gops::client::interrupt_cleanup {

inline constexpr int kSlots = 4;

// Arms the removal of `name` (relative to `dir_fd`, or a path with
// AT_FDCWD). Returns the slot, or -1 when all are taken or the name is too
// long (then the file is not removed on a signal; nothing else changes).
// Installs the handlers on first use.
int arm(int dir_fd, const char* name) noexcept;

// The file was committed or removed by its owner: forget it.
void disarm(int slot) noexcept;

}  // namespace gops::client::interrupt_cleanup
