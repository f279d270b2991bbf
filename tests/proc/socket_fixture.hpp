// A set of real sockets held by the test process, one of each kind
// `gops process` lists, with the Connection each should show as.
#pragma once

#include <string>
#include <vector>

#include "proc/process.hpp"
#include "support/process.hpp"

namespace gops::proc {

bool operator==(const Connection& a, const Connection& b);
void PrintTo(const Connection& c, std::ostream* os);

// "LADDR:LPORT <-> RADDR:RPORT (STATUS)", as the Go gops prints it.
std::string to_text(const Connection& c);

class SocketFixture {
 public:
  // Opens everything (all CLOEXEC, so children do not inherit them); check
  // ok() before use.
  SocketFixture();
  ~SocketFixture();
  SocketFixture(const SocketFixture&) = delete;
  SocketFixture& operator=(const SocketFixture&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // In gopsutil's order: tcp4 listen, the connected pair's two ends, tcp6
  // listen on ::1, tcp6 listen on an IPv4-mapped address, udp4, udp6, the
  // named and the abstract unix sockets.
  const std::vector<Connection>& expected() const { return expected_; }
  // Unnamed unix sockets show as this row, once per socket type: three
  // stream pairs and one datagram pair are open, so it shows twice.
  static Connection unnamed_unix() { return {"", 0, "", 0, "NONE"}; }

 private:
  void open_all();
  int open_socket(int domain, int type);
  void fail(const std::string& what);

  std::vector<int> fds_;
  std::vector<Connection> expected_;
  test::TempDir dir_;
  std::string error_;
};

}  // namespace gops::proc
