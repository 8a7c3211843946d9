// Slow clients against pgkit-server's transport: connections that send nothing, half a header,
// a stalled body, a header one byte at a time, and a slowloris crowd are each cut off at their
// deadline (never before), while other clients go on being served.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_common.hpp"
#include "server_process.hpp"

using namespace pgkit::test;
using namespace pgkit::test::fuzz;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(Fuzz, SlowClientsAreCutOff) {
  // Deadlines shortened by flags (defaults: 10 s and 30 s): a header, and the wait for the next
  // request on a kept-alive connection, within 2 s; a body within 3 s. No database needed: this
  // is the transport alone. No upper bound on when a connection is cut (a timing threshold on
  // a shared machine): only that it is, and not before its deadline.
  ServerProcess server({.args = {"--header-timeout", "2000", "--body-timeout", "3000"}});
  const int port = server.port();
  struct Stalled {
    std::string what;
    int fd;
    Clock::time_point start;
    double earliest, latest;  // seconds: not before earliest (latest is not checked: see above)
    std::optional<double> closed_after;
    std::string received;
  };
  std::vector<Stalled> stalled;
  auto open = [&](std::string what, const std::string& first_bytes, double earliest, double latest) {
    int fd = connect_to(port);
    ASSERT_GE(fd, 0) << what;
    auto start = Clock::now();
    if (!first_bytes.empty()) {
      ASSERT_EQ(::send(fd, first_bytes.data(), first_bytes.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(first_bytes.size()));
    }
    stalled.push_back({std::move(what), fd, start, earliest, latest, std::nullopt, {}});
  };
  open("connected, sent nothing", "", 1.9, 0);
  open("half a header", "GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pa", 1.9, 0);
  open("body stalled at 10 of 100 bytes",
       "POST /api/auth/magic-link HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
       "Content-Length: 100\r\n\r\n{\"email\":",
       2.9, 0);
  open("one header byte every 250 ms", "G", 1.9, 0);
  const int trickle_fd = stalled.back().fd;
  for (int i = 0; i < 40; ++i) open("slowloris #" + std::to_string(i), "GET / HTTP/1.1\r\nX-", 1.9, 0);

  std::atomic<bool> stop{false};
  std::thread trickler([&] {
    std::string rest = "ET /api/health/live HTTP/1.1\r\nX-Slow: " + std::string(1000, 'z');
    for (char c : rest) {
      if (stop || ::send(trickle_fd, &c, 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(250ms);  // the trickle is the attack, not a synchronisation
    }
  });

  // Meanwhile, other clients are served: a request on a new connection every 250 ms.
  int probes = 0, probe_failures = 0;
  double slowest_probe = 0;
  auto give_up = Clock::now() + 60s, next_probe = Clock::now();
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Stalled*> open_ones;
    for (auto& s : stalled)
      if (!s.closed_after) {
        fds.push_back({s.fd, POLLIN, 0});
        open_ones.push_back(&s);
      }
    if (fds.empty() || Clock::now() > give_up) break;
    ::poll(fds.data(), fds.size(), 50);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0)
        open_ones[i]->received.append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        open_ones[i]->closed_after = std::chrono::duration<double>(Clock::now() - open_ones[i]->start).count();
    }
    if (Clock::now() >= next_probe) {
      auto t0 = Clock::now();
      try {
        HttpClient probe(port);
        if (probe.get("/api/health/live").status != 200) ++probe_failures;
      } catch (const std::exception&) {
        ++probe_failures;
      }
      ++probes;
      slowest_probe = std::max(slowest_probe, std::chrono::duration<double>(Clock::now() - t0).count());
      next_probe = Clock::now() + 250ms;
    }
  }
  stop = true;
  trickler.join();

  double crowd_first = 1e9, crowd_last = 0;
  for (auto& s : stalled) {
    ::close(s.fd);
    EXPECT_TRUE(s.closed_after.has_value()) << s.what << ": still open after 60 s";
    if (!s.closed_after) continue;
    EXPECT_GE(*s.closed_after, s.earliest) << s.what << ": cut off too early";
    EXPECT_TRUE(s.received.empty() || s.received.rfind("HTTP/1.1 4", 0) == 0)
        << s.what << ": " << printable(s.received);
    if (s.what.rfind("slowloris", 0) == 0) {
      crowd_first = std::min(crowd_first, *s.closed_after);
      crowd_last = std::max(crowd_last, *s.closed_after);
    } else {
      std::cout << "[ slow     ] " << s.what << ": closed after " << *s.closed_after << " s" << std::endl;
    }
  }
  std::cout << "[ slow     ] 40 slowloris connections: closed after " << crowd_first << " to " << crowd_last
            << " s\n[ slow     ] meanwhile " << probes << " requests on new connections, slowest " << slowest_probe
            << " s" << std::endl;
  EXPECT_GE(probes, 5);
  EXPECT_EQ(probe_failures, 0);
  EXPECT_TRUE(server.running());
  HttpClient client(port);
  EXPECT_EQ(client.get("/api/health/live").status, 200);
}
