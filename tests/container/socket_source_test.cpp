// Sockets for a target in another network namespace are made in that
// namespace; for one in ours, as usual.
#include "container/socket_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "container/process_namespaces.hpp"
#include "support/peer_sockets.hpp"
#include "support/process.hpp"

namespace gops::container {
namespace {

// Whether the TCP table at `table` lists the socket with this inode.
bool table_lists(const std::string& table, ino_t inode) {
  std::istringstream lines(test::read_file(table));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; fields >> field; ++i)
      if (i == 9 && field == std::to_string(inode)) return true;
  }
  return false;
}

// A listening socket made by `source`, and its inode.
struct Listening {
  UniqueFd fd;
  ino_t inode = 0;
};

Listening listen_with(const SocketSource& source) {
  auto fd = source.open(AF_INET, SOCK_STREAM, 0);
  EXPECT_TRUE(fd) << fd.message();
  if (!fd) return Listening{UniqueFd(), 0};
  sockaddr_in any{};
  any.sin_family = AF_INET;
  EXPECT_EQ(::bind(fd->get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  EXPECT_EQ(::listen(fd->get(), 1), 0);
  struct stat st {};
  EXPECT_EQ(::fstat(fd->get(), &st), 0);
  return {std::move(*fd), st.st_ino};
}

TEST(SocketSource, OurOwnNamespace) {
  auto source = SocketSource::for_process(::getpid());
  ASSERT_TRUE(source) << source.message();
  EXPECT_FALSE(source->other_network());
  EXPECT_EQ(source->where(), "");
  Listening l = listen_with(*source);
  EXPECT_TRUE(table_lists("/proc/self/net/tcp", l.inode));
}

TEST(SocketSource, AnotherNetworkNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a network namespace";
  auto target = test::Child::spawn({"unshare", "--net", "sleep", "60"});
  ASSERT_TRUE(test::wait_until_exec(target.pid(), "sleep"));
  EXPECT_EQ(shares_namespace(target.pid(), "net"), std::optional<bool>(false));
  auto source = SocketSource::for_process(target.pid());
  ASSERT_TRUE(source) << source.message();
  EXPECT_TRUE(source->other_network());
  EXPECT_EQ(source->where(), " in the network namespace of PID " + std::to_string(target.pid()));
  Listening l = listen_with(*source);
  const std::string pid = std::to_string(target.pid());
  EXPECT_TRUE(table_lists("/proc/" + pid + "/net/tcp", l.inode));
  EXPECT_FALSE(table_lists("/proc/self/net/tcp", l.inode));
}

TEST(ProcessIds, OwnPidNamespaceAndUids) {
  auto ids = process_ids(::getpid());
  EXPECT_EQ(ids.ns_pid, ::getpid());
  ASSERT_EQ(ids.uids.size(), 4u);
  EXPECT_EQ(ids.uids[1], ::geteuid());
  if (::geteuid() != 0) return;
  // PID 1 of a new PID namespace is numbered 1 there.
  auto child = test::Child::spawn({"unshare", "--pid", "--fork", "--kill-child", "sleep", "60"});
  pid_t inner = -1;
  ASSERT_TRUE(test::eventually([&] {
    std::string p = std::to_string(child.pid());
    std::string kids = test::read_file("/proc/" + p + "/task/" + p + "/children");
    if (kids.empty()) return false;
    inner = std::stoi(kids);
    return true;
  }));
  ASSERT_TRUE(test::wait_until_exec(inner, "sleep"));
  EXPECT_EQ(process_ids(inner).ns_pid, 1);
  EXPECT_EQ(shares_namespace(inner, "pid"), std::optional<bool>(false));
}

}  // namespace
}  // namespace gops::container
