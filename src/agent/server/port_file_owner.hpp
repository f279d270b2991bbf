// The agent's port file (docs/design.md §2), and its removal wherever the agent
// ends: close(), normal exit, the cleanup signals. Only the process that
// wrote the file removes it: a fork() child never does.
#pragma once

#include <cstdint>
#include <string>


namespace gops::agent {

// Creates `dir` (and missing parents) with mode 0700 and publishes the
// port as decimal ASCII in dir/PID, mode 0600, then arms its removal. The
// file is written under a new name (O_CREAT|O_EXCL|O_NOFOLLOW) and renamed
// into place, so whatever was planted at dir/PID (a FIFO, a symlink, a
// hard link to someone's file) is replaced, never opened or written
// through. A port file that cannot be written is not an error: the agent
// serves by address only (as the Go agent can), and the returned text says
// why, for ListenResult::warning; empty when the file was written. A dir
// that belongs to another user (not root) is not written into. Not
// async-signal-safe.
std::string publish_port_file(const std::string& dir, std::uint16_t port);

// Unlinks the armed port file if this process wrote it and it is still the
// file written (not something put there since), and disarms.
// Async-signal-safe: an atomic exchange, getpid(), lstat() and unlink() of
// a path stored in a static buffer when the file was written.
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
