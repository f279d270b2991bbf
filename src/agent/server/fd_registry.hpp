// Every descriptor the agent holds, so that the child of a fork() can close
// them: a child must not keep the agent's listening socket bound or hold a
// client's connection open after the parent has answered and closed it.
// Adding and removing happen under a lock that the fork handlers take, so
// the list is exact at the moment of fork().
#pragma once

namespace gops::agent::fd_registry {

inline constexpr int kCapacity = 320;

// Registers `fd`; false (and `fd` left alone) when the registry is full.
bool add(int fd);

// accept4() (non-blocking, close-on-exec) and register in one step.
// Returns the fd, or -1 with errno set (EMFILE for a full registry).
int accept_registered(int listen_fd);

// Unregisters and closes `fd`. Not async-signal-safe.
void close_fd(int fd);

// For pthread_atfork: prepare takes the lock, parent/child release it.
void lock();
void unlock();

// In the fork() child, before unlock(): closes every registered fd and
// empties the registry. Async-signal-safe (close() only).
void close_all_in_child() noexcept;

}  // namespace gops::agent::fd_registry
