// The agent's port file (docs/design.md §2), and its removal wherever the agent
// ends: close(), normal exit, the cleanup signals. Only the process that
// wrote the file removes it: a fork() child never does.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace gops::agent {

// Creates `dir` (and missing parents) with mode 0700, writes the port as
// decimal ASCII into dir/PID with mode 0600 and arms its removal. A
// read-only or forbidden location (EROFS, EPERM, EACCES) is not an error:
// the agent then serves by address only, as the Go agent does; `written`
// says which. Not async-signal-safe.
Status publish_port_file(const std::string& dir, std::uint16_t port, bool* written);

// Unlinks the armed port file if this process wrote it, and disarms.
// Async-signal-safe: an atomic exchange, getpid() and unlink() of a path
// stored in a static buffer when the file was written.
void remove_port_file() noexcept;

// Disarms without unlinking; for the child of fork(). Async-signal-safe.
void disown_port_file() noexcept;

// Removes the port file on SIGINT, SIGTERM and SIGQUIT, then passes the
// signal on to the handler that was installed before (re-raising it with
// the default action if there was none; doing nothing more if it was
// ignored). Installed once per process, never uninstalled: it is inert when
// no port file is armed. Not async-signal-safe.
void install_cleanup_signal_handlers();

// Registers the atexit() removal once. Not async-signal-safe.
void remove_port_file_at_exit();

}  // namespace gops::agent
