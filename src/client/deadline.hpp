// A step bounded in time even where the kernel cannot be interrupted.
// Finding a PID's agent reads files in a dir the target's user chose (from
// its environment): on a FUSE or NFS mount a read can block for as long as
// that file system likes, and no signal gets a thread out of it. The step
// runs on a thread of its own; at the deadline the caller gets an error and
// the thread is left behind, detached (the CLI exits soon after).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "common/result.hpp"

namespace gops::client {

template <class T>
Result<T> with_deadline(std::chrono::milliseconds limit, std::function<Result<T>()> work, const std::string& what) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<Result<T>> result;
  };
  auto shared = std::make_shared<Shared>();
  try {
    std::thread([shared, work = std::move(work)] {
      Result<T> r = work();
      std::lock_guard lock(shared->mutex);
      shared->result.emplace(std::move(r));
      shared->done.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    return Error{what + ": cannot start a thread: " + e.what()};
  }
  std::unique_lock lock(shared->mutex);
  if (!shared->done.wait_for(lock, limit, [&] { return shared->result.has_value(); }))
    return Error{what + " took longer than " + std::to_string(limit.count()) + " ms (a file system that does not answer?)"};
  return std::move(*shared->result);
}

}  // namespace gops::client
