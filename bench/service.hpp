#pragma once
// The programs a benchmark runs beside itself (a server under test, a peer's server): started
// in the background with their output in a log file, stopped at the end, killed by the kernel
// if the benchmark dies (PR_SET_PDEATHSIG); and the plain HTTP GET that tells when one answers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bench_common.hpp"

namespace pgkit::bench {

/// A server under test: a background child with its output in a log file.
class Service {
 public:
  Service(std::string name, const std::vector<std::string>& argv, const std::vector<std::string>& env,
          const std::filesystem::path& cwd, std::filesystem::path log)
      : name_(std::move(name)), log_(std::move(log)) {
    std::vector<char*> args = exec_strings(argv), envp = exec_strings(env);
    const std::string dir = cwd.string();
    const int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) throw std::system_error(errno, std::generic_category(), "open " + log_.string());
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      const int error = errno;
      ::close(out);
      throw std::system_error(error, std::generic_category(), "fork");
    }
    if (pid_ == 0) {
      sigset_t none;  // the benchmark blocks SIGINT for its signal thread; children must not inherit that
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the benchmark interrupted: no server left behind
      if (::getppid() != parent) _exit(1);
      dup2(out, 1);
      dup2(out, 2);
      if (chdir(dir.c_str()) != 0) _exit(126);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    ::close(out);
  }
  ~Service() { stop(); }
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  /// Whether the process has ended (reaped here).
  bool ended() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = 0;
    return pid_ <= 0;
  }

  /// SIGTERM, then SIGKILL when it has not ended 5 s later. Idempotent.
  void stop() noexcept {
    if (ended()) return;
    ::kill(pid_, SIGTERM);
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         std::chrono::steady_clock::now() < until;) {
      if (ended()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
    pid_ = 0;
  }

  /// The last lines it wrote, for error messages.
  std::string log_tail() const {
    std::ifstream in(log_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 3000 ? "…" + text.substr(text.size() - 3000) : text;
  }

 private:
  std::string name_;
  std::filesystem::path log_;
  pid_t pid_ = 0;
};

// A free TCP port on 127.0.0.1 (bound, read, released: the server binds it a moment later).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::system_error(error, std::generic_category(), "finding a free port");
  return ntohs(a.sin_port);
}

struct HttpReply {
  int status = 0;
  std::string body;
};

// GET target from 127.0.0.1:port (HTTP/1.1, Connection: close); nullopt when it cannot connect
// or the answer is not HTTP.
inline std::optional<HttpReply> http_get(int port, const std::string& target, const std::string& token = {}) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    request += "\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buffer[8192];
      for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0 || (n < 0 && errno == EINTR);)
        if (n > 0) reply.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const std::size_t end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || reply.size() < 12 || end == std::string::npos) return std::nullopt;
  HttpReply r{std::atoi(reply.c_str() + 9), reply.substr(end + 4)};
  std::string head = reply.substr(0, end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head.find("transfer-encoding: chunked") != std::string::npos) {  // join the chunks
    std::string body;
    for (std::size_t at = 0;;) {
      const std::size_t eol = r.body.find("\r\n", at);
      if (eol == std::string::npos) break;
      const std::size_t size = std::strtoul(r.body.c_str() + at, nullptr, 16);
      if (size == 0) break;
      body += r.body.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    r.body = std::move(body);
  }
  return r;
}

}  // namespace pgkit::bench
