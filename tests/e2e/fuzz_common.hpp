#pragma once
// What the fuzz tests (fuzz_*_pgtest.cpp) share: readable bytes, the one error shape, failures
// by kind, raw sockets, and the users, posts and sessions made before a fuzz with a snapshot to
// prove them intact afterwards.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "server_process.hpp"

namespace pgkit::test::fuzz {

constexpr std::size_t kMiB = 1 << 20;

std::string lower(std::string s);
/// Bytes as a reader can see them in a failure message: non-printables escaped, long text cut.
std::string printable(std::string_view s, std::size_t max = 240);
/// s as a JSON string, quotes included.
std::string json_string(std::string_view s);
/// What is wrong with a reply ("" when nothing): a 5xx, or an error without the one error
/// shape {"error":{"code":…,"message":…}} in valid JSON.
std::string reply_problem(int status, const std::string& body, const std::string& content_type);

/// Failures by kind, with the first few examples of each: one bug does not hide the others.
/// Thread-safe.
class Failures {
 public:
  void add(const std::string& kind, std::string example);
  int total() const;
  std::string report() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::map<std::string, std::vector<std::string>> examples_;
};

// Raw sockets: bytes out, whatever comes back.

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
};

struct RawResult {
  std::vector<RawResponse> responses;
  std::string unparsed;  ///< bytes after the last whole response
  std::string bytes;     ///< everything received
  bool closed = false;   ///< the server closed the connection (FIN or reset)
  bool timed_out = false;
  bool refused = false;  ///< could not connect
};

/// A TCP connection to 127.0.0.1:port; -1 when refused.
int connect_to(int port);
/// Writes out on a new connection, then half-closes (so the server never waits for more) and
/// reads until the server closes. Reads while writing: a refusal may come before the end.
RawResult raw_exchange(int port, std::string_view out, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Set-up shared by the tests with a database.

/// The data made before the fuzz. Valid tokens are sent with random requests, but never where
/// they could change this data or end these sessions: afterwards it must be intact.
struct World {
  std::string db;
  std::string a_token, b_token, admin_token, a_refresh, revoked_token;
  std::string a_id, b_id, admin_id, d_id;         // d: a user only the admin's requests touch
  std::string a_published, a_draft, b_published;  // posts of a and b
  std::vector<std::string> fuzz_posts;            // made by the fuzz: anything goes
};

/// Users a and b with posts, an admin, a user d, a revoked token, in database db.
World make_world(ServerProcess& server, const std::string& db);

/// Row counts, and a's and b's users, posts and sessions as JSON text.
struct Snapshot {
  std::map<std::string, long> counts;
  std::string rows;
};
Snapshot snapshot(const World& w);

/// Lines the server logged at error level (text format: "HH:MM:SS.mmm error ...").
std::vector<std::string> error_lines(const std::string& log);

}  // namespace pgkit::test::fuzz
