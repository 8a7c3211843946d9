#pragma once
/// @file fault_proxy.hpp
/// A TCP proxy for tests that sits between pgkit and a PostgreSQL server on 127.0.0.1 and
/// causes the faults cloud networks cause: delay, blackholes, idle-connection drops by a NAT or
/// load balancer, resets and refused connections.
///
/// @code
///   pgkit::test::FaultProxy proxy(server.port());
///   auto loaded = pgkit::parse_url(proxy.url_through(server.url()) + "?application_name=x");
///   pgkit::Connection conn(loaded.config);
///   proxy.reset_all();   // conn's next query throws pgkit::ConnectionLost
/// @endcode
///
/// One background thread with poll() does all socket work. Mode changes are applied by that
/// thread; each call returns once the thread has applied it, so a test that calls blackhole()
/// and then connects is sure to meet the blackhole.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pgkit::test {

class FaultProxy {
 public:
  /// Listen on 127.0.0.1:<free port below 32768> and forward to target_host:target_port.
  /// Below 32768 so the port never collides with the kernel's ephemeral (outgoing) ports.
  explicit FaultProxy(int target_port, std::string target_host = "127.0.0.1");
  /// Stops the thread and closes every socket (both sides see a normal close).
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  /// The port the proxy listens on (stays the same across refuse()/pass()).
  int port() const { return port_; }
  /// Rewrite a postgresql:// URL's host:port to the proxy's (URLs look like
  /// postgresql://user:pw@127.0.0.1:PORT/db?x=y), keeping user, password, database and options.
  std::string url_through(const std::string& url) const;

  /// Forward both ways without interference (the default); ends blackhole() and refuse().
  void pass();
  /// Forward every chunk d later than it arrived, in both directions: a slow, distant link.
  void delay(std::chrono::milliseconds d);
  /// Packets vanish, nothing is reset: existing connections stop forwarding in both directions
  /// (bytes read and discarded, sockets kept open), new connections are accepted at TCP level
  /// but never answered (the PostgreSQL handshake never completes). pass() restores forwarding
  /// for new connections; connections that were blackholed stay dead-but-open (as on a real
  /// network where the peer state is lost).
  void blackhole();
  /// Connections idle (no byte either way) for this long are silently abandoned, as a cloud NAT
  /// or load balancer does after 4–15 min: from then on nothing is forwarded on them and nothing
  /// is closed, so neither side learns of it. 0 = off (default).
  void drop_idle_after(std::chrono::milliseconds idle);
  /// Reset every open connection now (SO_LINGER {1,0} then close → RST to both sides).
  void reset_all();
  /// New connections are refused (the listening socket is closed, so connect() gets RST /
  /// ECONNREFUSED) until pass(). Open connections keep forwarding.
  void refuse();

  /// Counters since construction. open counts connections the proxy still holds (dead ones too).
  struct Stats {
    int accepted = 0;         ///< client connections accepted
    int open = 0;             ///< connections currently held
    int dropped_idle = 0;     ///< connections abandoned by drop_idle_after
    int reset = 0;            ///< connections reset by reset_all
    std::uint64_t bytes = 0;  ///< bytes forwarded (written to either side)
  };
  /// A snapshot of the counters.
  Stats stats() const;

 private:
  enum class Mode { pass, blackhole, refuse };
  /// What the test asked for; the thread copies it at each tick.
  struct Settings {
    Mode mode = Mode::pass;
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds idle_drop{0};
    std::uint64_t resets_requested = 0;  // reset_all() calls; the thread acts on an increase
  };
  class Loop;  // the thread's state: sockets, connections, buffers (fault_proxy.cpp)

  /// Change the settings under the mutex, wake the thread, and wait until it applied them.
  void change(const std::function<void(Settings&)>& edit);

  std::string target_host_;
  int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;      // created by the constructor (so port() is known), then the thread's
  int wake_[2] = {-1, -1};  // a pipe: writing a byte ends the thread's poll() early

  mutable std::mutex mutex_;
  std::condition_variable applied_cv_;
  Settings settings_;
  std::uint64_t generation_ = 0;  // bumped by each change()
  std::uint64_t applied_ = 0;     // the generation the thread has applied
  bool stop_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace pgkit::test
