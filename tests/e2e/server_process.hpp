#pragma once
// pgkit-server as a child process for end-to-end tests, and an HTTP/1.1 client to talk to it.
#include <gtest/gtest.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "subprocess.hpp"

namespace pgkit::test {

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< names in lower case
  /// The body as JSON. @throws when it is not JSON
  boost::json::value json() const;
  /// A string member of the JSON body's object ("" when absent).
  std::string field(const std::string& name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  /// One request; a JSON Content-Type is added when body is not empty. Reconnects if the
  /// server closed the connection. @throws std::runtime_error when the server does not answer
  HttpReply request(const std::string& method, const std::string& target, const std::string& body = {},
                    const Headers& headers = {});
  HttpReply get(const std::string& target, const Headers& headers = {}) { return request("GET", target, {}, headers); }
  HttpReply post(const std::string& target, const std::string& body, const Headers& headers = {}) {
    return request("POST", target, body, headers);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Authorization header for an access token.
inline Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

struct ServerOptions {
  std::string database_url;  ///< "" starts it without a database
  bool migrate = true;
  std::map<std::string, std::string> env;  ///< extra environment
  std::vector<std::string> args;           ///< extra flags
  bool wait_until_live = true;
  bool wait_until_ready = true;  ///< with a database and --migrate: until /api/health/ready is 200
};

/// pgkit-server on a free port (a ChildProcess), its output in a log file, a file mailer.
/// Killed if still running when destroyed.
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  /// Sends sig and waits for the exit; returns the exit code (128 + signal when killed).
  int stop(int sig, std::chrono::seconds timeout = std::chrono::seconds(30));
  bool running();
  std::string log() const;
  /// The sign-in links mailed so far, oldest first: (to, token).
  std::vector<std::pair<std::string, std::string>> mails() const;
  /// Polls GET path until it answers status, up to timeout; the failure says what it answered.
  ::testing::AssertionResult wait_for_status(const std::string& path, int status, std::chrono::seconds timeout);

 private:
  int port_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

/// Signs in email through the magic-link flow; returns the /verify reply.
HttpReply sign_in(ServerProcess& server, HttpClient& client, const std::string& email);

}  // namespace pgkit::test
