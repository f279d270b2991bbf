// Ways of doing the list's per-process work, timed against each other on the
// processes this machine (or PID namespace) runs now. Not a test: the list
// benchmark runs it to show why the scan does what it does and where its
// floor is.
//
//   list_scan_variants [ROUNDS [FILTER]]   (default 40 rounds, all variants;
//                                          FILTER: only names containing it)
//
// Each variant does one job for every PID: list /proc, or find the identity
// (st_dev, st_ino) of /proc/PID/exe, or read /proc/PID/stat. Variants run in
// turn inside each round, so a burst of load from elsewhere lands on all of
// them alike. Printed per variant: median and best time per round, and per
// process, in wall time and in CPU time (user + system of the whole process,
// io_uring's kernel workers included, since they are threads of it).
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#ifdef GOPS_BENCH_HAVE_LIBURING
// liburing's inline helpers trip -Wnull-dereference where they are expanded.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <liburing.h>
#pragma GCC diagnostic pop
#endif

namespace {

bool parse_pid(const char* name, int& pid) {
  const char* end = name + std::strlen(name);
  auto [p, ec] = std::from_chars(name, end, pid);
  return ec == std::errc{} && p == end && pid > 0;
}

// "PID/NAME" into buf; returns buf.
const char* relative(char* buf, std::size_t cap, int pid, const char* name) {
  char* p = std::to_chars(buf, buf + cap - 1, pid).ptr;
  *p++ = '/';
  std::size_t n = std::strlen(name);
  std::memcpy(p, name, n + 1);
  return buf;
}

const char* absolute(char* buf, std::size_t cap, int pid, const char* name) {
  std::memcpy(buf, "/proc/", 6);
  relative(buf + 6, cap - 6, pid, name);
  return buf;
}

std::vector<int> pids_readdir() {
  std::vector<int> pids;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return pids;
  while (dirent* e = ::readdir(d)) {
    int pid = 0;
    if (parse_pid(e->d_name, pid)) pids.push_back(pid);
  }
  ::closedir(d);
  return pids;
}

std::vector<int> pids_getdents(std::size_t buffer_size) {
  std::vector<int> pids;
  int fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return pids;
  // Not zero-filled: only the pages the kernel writes are touched, as in
  // ProcDir::pids().
  auto buf = std::make_unique_for_overwrite<char[]>(buffer_size);
  for (;;) {
    const ssize_t n = ::getdents64(fd, buf.get(), buffer_size);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* e = reinterpret_cast<const dirent64*>(buf.get() + off);
      int pid = 0;
      if (parse_pid(e->d_name, pid)) pids.push_back(pid);
      off += e->d_reclen;
    }
  }
  ::close(fd);
  return pids;
}

struct Variant {
  const char* name;
  std::function<std::size_t(const std::vector<int>&)> run;  // returns how many succeeded
  std::vector<double> wall, cpu;
};

double cpu_now() {
  rusage r{};
  ::getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

double best(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

#ifdef GOPS_BENCH_HAVE_LIBURING
// All the statx calls of a round in one ring, submitted in batches of the
// ring's size: one io_uring_enter per batch instead of one statx per PID.
std::size_t statx_uring(const std::vector<int>& pids, int proc_fd, unsigned depth) {
  io_uring ring;
  if (io_uring_queue_init(depth, &ring, 0) != 0) return 0;
  std::vector<struct statx> out(depth);
  std::vector<std::array<char, 32>> paths(depth);
  std::size_t ok = 0;
  for (std::size_t start = 0; start < pids.size(); start += depth) {
    const std::size_t count = std::min<std::size_t>(depth, pids.size() - start);
    for (std::size_t i = 0; i < count; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) {  // cannot happen: the batch is the ring's size
        io_uring_queue_exit(&ring);
        return ok;
      }
      relative(paths[i].data(), paths[i].size(), pids[start + i], "exe");
      io_uring_prep_statx(sqe, proc_fd, paths[i].data(), 0, STATX_INO, &out[i]);
    }
    io_uring_submit_and_wait(&ring, static_cast<unsigned>(count));
    for (std::size_t i = 0; i < count; ++i) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) != 0) break;
      if (cqe->res == 0) ++ok;
      io_uring_cqe_seen(&ring, cqe);
    }
  }
  io_uring_queue_exit(&ring);
  return ok;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 40;
  const int proc_fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) {
    std::perror("/proc");
    return 1;
  }
  const std::vector<int> pids = pids_getdents(1 << 16);

  std::vector<Variant> variants;
  auto add = [&](const char* name, auto fn) { variants.push_back({name, fn, {}, {}}); };
  // The floor of any per-process system call: entry and exit alone.
  add("floor: getppid() once per PID", [](const std::vector<int>& ps) {
    std::size_t ok = 0;
    for (std::size_t i = 0; i < ps.size(); ++i) ok += ::syscall(SYS_getppid) >= 0;
    return ok;
  });
  add("list: opendir + readdir", [](const std::vector<int>&) { return pids_readdir().size(); });
  add("list: getdents64, 64 KiB buffer", [](const std::vector<int>&) { return pids_getdents(1 << 16).size(); });
  add("list: getdents64, 1 MiB buffer", [](const std::vector<int>&) { return pids_getdents(1 << 20).size(); });
  add("exe: stat(\"/proc/PID/exe\")", [](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char buf[64];
    struct stat st;
    for (int pid : ps) ok += ::stat(absolute(buf, sizeof buf, pid, "exe"), &st) == 0;
    return ok;
  });
  add("exe: fstatat(/proc fd, \"PID/exe\")", [proc_fd](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char buf[64];
    struct stat st;
    for (int pid : ps) ok += ::fstatat(proc_fd, relative(buf, sizeof buf, pid, "exe"), &st, 0) == 0;
    return ok;
  });
  add("exe: statx(/proc fd, \"PID/exe\", STATX_INO)", [proc_fd](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char buf[64];
    struct statx st;
    for (int pid : ps) ok += ::statx(proc_fd, relative(buf, sizeof buf, pid, "exe"), 0, STATX_INO, &st) == 0;
    return ok;
  });
  add("exe: statx(/proc fd, \"PID/exe\", BASIC_STATS)", [proc_fd](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char buf[64];
    struct statx st;
    for (int pid : ps)
      ok += ::statx(proc_fd, relative(buf, sizeof buf, pid, "exe"), 0, STATX_BASIC_STATS, &st) == 0;
    return ok;
  });
  add("exe: readlinkat(/proc fd, \"PID/exe\")", [proc_fd](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char buf[64], target[4096];
    for (int pid : ps) ok += ::readlinkat(proc_fd, relative(buf, sizeof buf, pid, "exe"), target, sizeof target) > 0;
    return ok;
  });
  add("exe: statx, the PIDs split over 2 threads", [proc_fd](const std::vector<int>& ps) {
    auto part = [proc_fd, &ps](std::size_t from, std::size_t to, std::size_t& ok) {
      char buf[64];
      struct statx st;
      for (std::size_t i = from; i < to; ++i)
        ok += ::statx(proc_fd, relative(buf, sizeof buf, ps[i], "exe"), 0, STATX_INO, &st) == 0;
    };
    std::size_t ok_a = 0, ok_b = 0;
    std::thread other(part, ps.size() / 2, ps.size(), std::ref(ok_b));
    part(0, ps.size() / 2, ok_a);
    other.join();
    return ok_a + ok_b;
  });
#ifdef GOPS_BENCH_HAVE_LIBURING
  add("exe: io_uring statx, 64 a batch", [proc_fd](const std::vector<int>& ps) { return statx_uring(ps, proc_fd, 64); });
  add("exe: io_uring statx, 1024 a batch",
      [proc_fd](const std::vector<int>& ps) { return statx_uring(ps, proc_fd, 1024); });
#endif
  add("stat: open, read, read, close (before)", [](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char path[64], buf[2048];
    for (int pid : ps) {
      int fd = ::open(absolute(path, sizeof path, pid, "stat"), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      ssize_t n = ::read(fd, buf, sizeof buf);
      ok += n > 0 && ::read(fd, buf, sizeof buf) == 0;
      ::close(fd);
    }
    return ok;
  });
  add("stat: openat(/proc fd), one read, close", [proc_fd](const std::vector<int>& ps) {
    std::size_t ok = 0;
    char path[64], buf[2048];
    for (int pid : ps) {
      int fd = ::openat(proc_fd, relative(path, sizeof path, pid, "stat"), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      ok += ::read(fd, buf, sizeof buf) > 0;
      ::close(fd);
    }
    return ok;
  });

  if (argc > 2) {
    std::erase_if(variants, [&](const Variant& v) { return std::strstr(v.name, argv[2]) == nullptr; });
  }
  std::vector<std::size_t> succeeded(variants.size());
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < variants.size(); ++i) {
      auto& v = variants[i];
      const double c0 = cpu_now();
      const auto w0 = std::chrono::steady_clock::now();
      succeeded[i] = v.run(pids);
      v.wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
      v.cpu.push_back(cpu_now() - c0);
    }
  }

  const double n = static_cast<double>(pids.size());
  std::printf("%zu processes, %d rounds; times per round (per process)\n\n", pids.size(), rounds);
  std::printf("| variant | succeeded | wall median | wall best | CPU median |\n|---|---:|---:|---:|---:|\n");
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    const double wm = median(v.wall), wb = best(v.wall), cm = median(v.cpu);
    std::printf("| %s | %zu | %.3f ms (%.2f us) | %.3f ms (%.2f us) | %.3f ms (%.2f us) |\n", v.name, succeeded[i],
                wm * 1e3, wm * 1e6 / n, wb * 1e3, wb * 1e6 / n, cm * 1e3, cm * 1e6 / n);
  }
  return 0;
}
