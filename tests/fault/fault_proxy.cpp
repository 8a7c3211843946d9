// The fault proxy's thread: one poll() loop over non-blocking sockets, a queue of timestamped
// chunks per direction (so delay() is a due time, not a sleep), and per-connection flags for
// the faults. Plain POSIX on purpose: this TU stays light and independent of pgkit's Asio code.
#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <random>
#include <stdexcept>
#include <vector>

namespace pgkit::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kTick{20};            // the longest poll(): bounds idle-drop and mode-change latency
constexpr milliseconds kConnectBound{2000};  // a target that neither accepts nor refuses by then is down
constexpr std::size_t kMaxQueued = 1 << 20;  // per direction: stop reading a side whose peer is slow

struct Chunk {
  Clock::time_point due;
  std::string data;
};

// One direction of a connection: bytes read from one side, waiting to be written to the other.
struct Flow {
  std::deque<Chunk> queue;
  std::size_t sent = 0;    // bytes of queue.front() already written
  std::size_t queued = 0;  // bytes in queue, for back-pressure
  bool eof = false;        // the reading side said EOF: shut the writing side down once flushed
  bool shut = false;       // shutdown(SHUT_WR) done
};

struct Conn {
  int client = -1, server = -1;
  bool connecting = false;  // non-blocking connect to the target still in progress
  Clock::time_point connect_deadline;
  bool dead = false;                              // blackholed or dropped idle: read and discard, never write or close
  bool client_gone = false, server_gone = false;  // dead only: that side hit EOF or an error
  Flow up, down;                                  // client → server, server → client
  Clock::time_point last_active;
  int client_slot = -1, server_slot = -1;  // indexes into this tick's pollfd array
};

void close_fd(int& fd, bool reset) {
  if (fd < 0) return;
  if (reset) {  // linger {1, 0}: close() sends RST instead of FIN
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd);
  fd = -1;
}

// A listening socket on 127.0.0.1:port, or -1 when the port is taken.
int listen_on(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;  // rebinding after refuse() must not wait for TIME_WAIT connections to expire
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0) close_fd(fd, false);
  return fd;
}

}  // namespace

class FaultProxy::Loop {
 public:
  Loop(FaultProxy& owner, sockaddr_storage target, socklen_t target_len)
      : p_(owner), target_(target), target_len_(target_len), listen_(owner.listen_fd_) {}

  ~Loop() {  // the proxy is going away: both sides of each connection see a normal close
    for (Conn& c : conns_) close_conn(c, false);
    close_fd(listen_, false);
  }

  void run() {
    std::vector<pollfd> fds;
    for (;;) {
      fds.clear();
      fds.push_back({p_.wake_[0], POLLIN, 0});
      int listen_slot = listen_ >= 0 ? slot(fds, listen_, POLLIN) : -1;
      for (Conn& c : conns_) watch(fds, c);
      ::poll(fds.data(), fds.size(), static_cast<int>(timeout().count()));  // EINTR: just loop
      char drain[64];
      while (::read(p_.wake_[0], drain, sizeof drain) > 0) {}
      if (!sync()) return;
      // A reset or a listener change closed sockets this tick's revents refer to: poll again.
      if (restructured_) continue;
      auto now = Clock::now();
      if (listen_slot >= 0 && fds[listen_slot].revents) accept_all(now);
      for (Conn& c : conns_) serve(c, fds, now);
      conns_.remove_if([](const Conn& c) { return c.client < 0; });
      std::lock_guard lock(p_.mutex_);
      publish();
    }
  }

 private:
  static int slot(std::vector<pollfd>& fds, int fd, short events) {
    fds.push_back({fd, events, 0});
    return static_cast<int>(fds.size()) - 1;
  }

  void publish() {  // with p_.mutex_ held
    p_.stats_ = stats_;
    p_.stats_.open = static_cast<int>(conns_.size());
  }

  static bool due(const Flow& f, Clock::time_point now) { return !f.queue.empty() && f.queue.front().due <= now; }

  // Ask poll() only for what can be acted on: a socket at EOF with events=0 would still report
  // POLLHUP and spin the loop.
  void watch(std::vector<pollfd>& fds, Conn& c) {
    c.client_slot = c.server_slot = -1;
    auto now = Clock::now();
    if (c.connecting) {
      c.server_slot = slot(fds, c.server, POLLOUT);
    } else if (c.dead) {
      if (!c.client_gone) c.client_slot = slot(fds, c.client, POLLIN);
      if (c.server >= 0 && !c.server_gone) c.server_slot = slot(fds, c.server, POLLIN);
    } else {
      short ce = (!c.up.eof && c.up.queued < kMaxQueued ? POLLIN : 0) | (due(c.down, now) ? POLLOUT : 0);
      short se = (!c.down.eof && c.down.queued < kMaxQueued ? POLLIN : 0) | (due(c.up, now) ? POLLOUT : 0);
      if (ce) c.client_slot = slot(fds, c.client, ce);
      if (se) c.server_slot = slot(fds, c.server, se);
    }
  }

  // Until the next delayed chunk falls due, at most one tick.
  milliseconds timeout() const {
    auto until = Clock::now() + kTick;
    for (const Conn& c : conns_)
      for (const Flow* f : {&c.up, &c.down})
        if (!c.dead && !f->queue.empty()) until = std::min(until, f->queue.front().due);
    return std::max(milliseconds{0}, std::chrono::ceil<milliseconds>(until - Clock::now()));
  }

  // Take the test's latest settings and act on what changed; false when the proxy is stopping.
  bool sync() {
    std::unique_lock lock(p_.mutex_);
    if (p_.stop_) return false;
    const Settings& s = p_.settings_;
    restructured_ = false;
    if (s.resets_requested > resets_done_) {
      for (Conn& c : conns_) close_conn(c, true);
      stats_.reset += static_cast<int>(conns_.size());
      conns_.clear();
      resets_done_ = s.resets_requested;
      restructured_ = true;
    }
    if (s.mode == Mode::blackhole && mode_ != Mode::blackhole)
      for (Conn& c : conns_) c.dead = true;  // these stay dead after pass(): the peer state is lost
    if (s.mode == Mode::refuse && listen_ >= 0) {
      close_fd(listen_, false);  // connects now get RST (ECONNREFUSED), queued ones are reset
      restructured_ = true;
    } else if (s.mode != Mode::refuse && listen_ < 0) {
      listen_ = listen_on(p_.port_);  // same port; retried every tick should it be taken
      if (listen_ < 0)
        std::fprintf(stderr, "FaultProxy: cannot listen on %d again: %s\n", p_.port_, std::strerror(errno));
      restructured_ = true;
    }
    mode_ = s.mode;
    delay_ = s.delay;
    idle_drop_ = s.idle_drop;
    p_.applied_ = p_.generation_;
    publish();  // so stats() right after reset_all() counts the resets
    lock.unlock();
    p_.applied_cv_.notify_all();
    return true;
  }

  void accept_all(Clock::time_point now) {
    for (;;) {
      int fd = ::accept4(listen_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN: none left; EMFILE and friends: try again next tick
      }
      ++stats_.accepted;
      Conn c;
      c.client = fd;
      c.last_active = now;
      // Blackholed at birth: TCP says connected, PostgreSQL never answers the startup packet.
      if (mode_ == Mode::blackhole)
        c.dead = true;
      else if (!start_connect(c, now)) {
        close_fd(c.client, false);
        continue;
      }
      conns_.push_back(std::move(c));
    }
  }

  bool start_connect(Conn& c, Clock::time_point now) {
    c.server = ::socket(target_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.server < 0) return false;
    if (::connect(c.server, reinterpret_cast<const sockaddr*>(&target_), target_len_) == 0) return true;
    if (errno != EINPROGRESS) {
      close_fd(c.server, false);
      return false;
    }  // e.g. ECONNREFUSED: target down
    c.connecting = true;
    c.connect_deadline = now + kConnectBound;
    return true;
  }

  static void close_conn(Conn& c, bool reset) {
    close_fd(c.client, reset);
    close_fd(c.server, reset);
  }

  void serve(Conn& c, const std::vector<pollfd>& fds, Clock::time_point now) {
    short cr = c.client_slot >= 0 ? fds[c.client_slot].revents : 0;
    short sr = c.server_slot >= 0 ? fds[c.server_slot].revents : 0;
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      if (sr) ::getsockopt(c.server, SOL_SOCKET, SO_ERROR, &err, &len);
      if (sr && err == 0) {
        c.connecting = false;
        c.last_active = now;  // idle time counts from a working connection
      } else if (sr || now >= c.connect_deadline) {
        close_conn(c, false);  // the target is down: the client sees the connection closed
      }
      return;
    }
    if (c.dead) {  // swallow whatever arrives; stop watching a side once it closed
      if (cr && discard(c.client)) c.client_gone = true;
      if (sr && discard(c.server)) c.server_gone = true;
      if (c.client_gone && (c.server < 0 || c.server_gone)) close_conn(c, false);
      return;
    }
    bool ok = true;
    if (cr & (POLLIN | POLLHUP | POLLERR)) ok = receive(c.client, c.up, now, c);
    if (ok && (sr & (POLLIN | POLLHUP | POLLERR))) ok = receive(c.server, c.down, now, c);
    if (ok) ok = send(c.server, c.up, now, c) && send(c.client, c.down, now, c);
    if (!ok) return close_conn(c, true);                        // one side reset or failed: the other side is reset too
    if (c.up.shut && c.down.shut) return close_conn(c, false);  // both directions finished
    bool quiet = c.up.queue.empty() && c.down.queue.empty();
    if (idle_drop_.count() > 0 && quiet && now - c.last_active >= idle_drop_) {
      c.dead = true;  // a NAT forgot the flow: nothing forwarded, nothing closed
      ++stats_.dropped_idle;
    }
  }

  // Read what fd has into flow's queue, due after the delay; false on a socket error.
  bool receive(int fd, Flow& flow, Clock::time_point now, Conn& c) {
    char buf[64 * 1024];
    while (flow.queued < kMaxQueued) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      if (n == 0) {
        flow.eof = true;
        return true;
      }
      flow.queue.push_back({now + delay_, std::string(buf, static_cast<std::size_t>(n))});
      flow.queued += static_cast<std::size_t>(n);
      c.last_active = now;
    }
    return true;
  }

  // Write flow's due chunks to fd; after EOF and a flushed queue, pass the half-close on.
  bool send(int fd, Flow& flow, Clock::time_point now, Conn& c) {
    while (due(flow, now)) {
      const std::string& d = flow.queue.front().data;
      ssize_t n = ::send(fd, d.data() + flow.sent, d.size() - flow.sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      flow.sent += static_cast<std::size_t>(n);
      flow.queued -= static_cast<std::size_t>(n);
      stats_.bytes += static_cast<std::uint64_t>(n);
      c.last_active = now;
      if (flow.sent == d.size()) {
        flow.queue.pop_front();
        flow.sent = 0;
      }
    }
    if (flow.eof && flow.queue.empty() && !flow.shut) {
      ::shutdown(fd, SHUT_WR);
      flow.shut = true;
    }
    return true;
  }

  // Read and drop everything fd has; true once it is at EOF or failed.
  static bool discard(int fd) {
    char buf[16 * 1024];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }

  FaultProxy& p_;
  sockaddr_storage target_;
  socklen_t target_len_;
  int listen_;
  std::list<Conn> conns_;
  Stats stats_;  // published to the owner once per tick
  Mode mode_ = Mode::pass;
  milliseconds delay_{0}, idle_drop_{0};
  std::uint64_t resets_done_ = 0;
  bool restructured_ = false;
};

FaultProxy::FaultProxy(int target_port, std::string target_host)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(target_host_.c_str(), std::to_string(target_port_).c_str(), &hints, &found) != 0 || !found)
    throw std::runtime_error("FaultProxy: cannot resolve " + target_host_);
  sockaddr_storage target{};
  socklen_t target_len = found->ai_addrlen;
  std::memcpy(&target, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);

  // Random ports in [12000, 20000): below the ephemeral range and LocalCluster's [20000, 32000).
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200 && listen_fd_ < 0; ++attempt) {
    port_ = 12000 + static_cast<int>(rng() % 8000);
    listen_fd_ = listen_on(port_);
  }
  if (listen_fd_ < 0) throw std::runtime_error("FaultProxy: no free port in [12000, 20000)");
  if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("FaultProxy: pipe2 failed");
  }
  thread_ = std::thread([this, target, target_len] { Loop(*this, target, target_len).run(); });
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  char b = 0;
  [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
  thread_.join();  // the Loop's destructor closes every socket
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void FaultProxy::change(const std::function<void(Settings&)>& edit) {
  std::unique_lock lock(mutex_);
  edit(settings_);
  std::uint64_t mine = ++generation_;
  char b = 0;
  [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
  applied_cv_.wait(lock, [&] { return applied_ >= mine; });
}

void FaultProxy::pass() {
  change([](Settings& s) { s.mode = Mode::pass; });
}
void FaultProxy::delay(std::chrono::milliseconds d) {
  change([d](Settings& s) { s.delay = d; });
}
void FaultProxy::blackhole() {
  change([](Settings& s) { s.mode = Mode::blackhole; });
}
void FaultProxy::drop_idle_after(std::chrono::milliseconds idle) {
  change([idle](Settings& s) { s.idle_drop = idle; });
}
void FaultProxy::reset_all() {
  change([](Settings& s) { ++s.resets_requested; });
}
void FaultProxy::refuse() {
  change([](Settings& s) { s.mode = Mode::refuse; });
}

FaultProxy::Stats FaultProxy::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::string FaultProxy::url_through(const std::string& url) const {
  // The authority is between "://" and the next '/' or '?'; user:password@ ends at its last '@'.
  auto scheme = url.find("://");
  if (scheme == std::string::npos) throw std::invalid_argument("FaultProxy::url_through: not a URL");
  auto begin = scheme + 3;
  auto end = url.find_first_of("/?", begin);
  if (end == std::string::npos) end = url.size();
  auto at = url.rfind('@', end);
  if (at != std::string::npos && at >= begin) begin = at + 1;
  return url.substr(0, begin) + "127.0.0.1:" + std::to_string(port_) + url.substr(end);
}

}  // namespace pgkit::test
