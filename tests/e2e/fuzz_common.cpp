#include "fuzz_common.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include "test_server.hpp"

namespace pgkit::test::fuzz {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string sql1(const std::string& statement, const std::string& db) {
  auto rows = shared_server().sql(statement, db);
  return rows.empty() ? std::string() : rows[0];
}

// Whole HTTP/1.x responses at the front of in (every response of the server has a
// Content-Length; 1xx have no body).
std::vector<RawResponse> parse_responses(std::string_view in, std::string& unparsed) {
  std::vector<RawResponse> out;
  while (in.substr(0, 5) == "HTTP/") {
    auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) break;
    RawResponse r;
    std::string_view head = in.substr(0, end);
    auto space = head.find(' ');
    if (space != std::string_view::npos) r.status = std::atoi(std::string(head.substr(space + 1, 3)).c_str());
    for (auto pos = head.find("\r\n"); pos != std::string_view::npos;) {
      auto next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? next : next - pos - 2);
      if (auto colon = line.find(':'); colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers[lower(std::string(line.substr(0, colon)))] = std::string(value);
      }
      pos = next;
    }
    std::size_t length = 0;
    if (r.status >= 200 && r.headers.count("content-length")) length = std::stoul(r.headers["content-length"]);
    if (in.size() < end + 4 + length) break;
    r.body = std::string(in.substr(end + 4, length));
    in.remove_prefix(end + 4 + length);
    out.push_back(std::move(r));
  }
  unparsed = std::string(in);
  return out;
}

std::string create_post(HttpClient& client, const std::string& token, const std::string& title, bool published) {
  boost::json::object body{{"title", title}, {"content", "by the fuzz's set-up"}, {"published", published}};
  auto reply = client.post("/api/posts", boost::json::serialize(body), bearer(token));
  if (reply.status != 201) throw std::runtime_error("create post: " + std::to_string(reply.status) + " " + reply.body);
  return std::string(reply.json().at("post").at("id").as_string());
}

std::string user_id(const HttpReply& signed_in) {
  return std::string(signed_in.json().at("user").at("id").as_string());
}

}  // namespace

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string json_string(std::string_view s) { return boost::json::serialize(boost::json::value(s)); }

std::string reply_problem(int status, const std::string& body, const std::string& content_type) {
  if (status >= 500) return "a " + std::to_string(status);
  if (status < 400) return {};
  if (content_type != "application/json") return "an error with Content-Type \"" + content_type + "\"";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return "an error body that is not valid JSON (" + ec.message() + ")";
  const auto* o = v.if_object();
  const auto* e = o && o->size() == 1 ? o->if_contains("error") : nullptr;
  const auto* eo = e ? e->if_object() : nullptr;
  const auto* code = eo ? eo->if_contains("code") : nullptr;
  const auto* message = eo ? eo->if_contains("message") : nullptr;
  if (!code || !code->is_string() || !message || !message->is_string())
    return "an error body not shaped {\"error\":{\"code\":...,\"message\":...}}";
  return {};
}

void Failures::add(const std::string& kind, std::string example) {
  std::lock_guard lock(mutex_);
  ++counts_[kind];
  if (examples_[kind].size() < 4) examples_[kind].push_back(std::move(example));
}

int Failures::total() const {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& [kind, count] : counts_) n += count;
  return n;
}

std::string Failures::report() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [kind, count] : counts_) {
    out += "\n== " + kind + ": " + std::to_string(count) + " time(s), for example:";
    for (const auto& e : examples_.at(kind)) out += "\n  - " + e;
  }
  return out;
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

RawResult raw_exchange(int port, std::string_view out, std::chrono::milliseconds timeout) {
  RawResult result;
  int fd = connect_to(port);
  if (fd < 0) {
    result.refused = true;
    return result;
  }
  auto deadline = Clock::now() + timeout;
  std::string in;
  std::size_t sent = 0;
  bool writing = true;
  for (;;) {
    if (writing && sent == out.size()) {
      ::shutdown(fd, SHUT_WR);
      writing = false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        result.closed = true;
        break;
      }
    }
    if (writing && (p.revents & POLLOUT)) {
      ssize_t n =
          ::send(fd, out.data() + sent, std::min<std::size_t>(out.size() - sent, 65536), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0)
        sent += static_cast<std::size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        writing = false;  // the server closed: read what it said
    }
  }
  ::close(fd);
  result.responses = parse_responses(in, result.unparsed);
  result.bytes = std::move(in);
  return result;
}

World make_world(ServerProcess& server, const std::string& db) {
  World w;
  w.db = db;
  HttpClient client(server.port());
  auto a = sign_in(server, client, "alice@fuzz.test");
  auto b = sign_in(server, client, "bob@fuzz.test");
  auto admin = sign_in(server, client, "root@fuzz.test");
  auto gone = sign_in(server, client, "gone@fuzz.test");
  for (const auto* r : {&a, &b, &admin, &gone})
    if (r->status != 200) throw std::runtime_error("sign-in: " + std::to_string(r->status) + " " + r->body);
  w.a_token = a.field("accessToken");
  w.a_refresh = a.field("refreshToken");
  w.b_token = b.field("accessToken");
  w.admin_token = admin.field("accessToken");
  w.revoked_token = gone.field("accessToken");
  if (client.post("/api/auth/logout", "", bearer(w.revoked_token)).status != 200) throw std::runtime_error("logout");
  w.a_id = user_id(a);
  w.b_id = user_id(b);
  w.admin_id = user_id(admin);
  shared_server().sql("UPDATE users SET role = 'ADMIN' WHERE id = '" + w.admin_id + "'", db);
  w.d_id = sql1("INSERT INTO users (email) VALUES ('dora@fuzz.test') RETURNING id", db);
  w.a_published = create_post(client, w.a_token, "Alice's published post", true);
  w.a_draft = create_post(client, w.a_token, "Alice's draft", false);
  w.b_published = create_post(client, w.b_token, "Bob's post; DROP TABLE posts;--", true);
  return w;
}

Snapshot snapshot(const World& w) {
  Snapshot s;
  for (const char* table : {"users", "posts", "sessions", "magic_links", "audit_log"})
    s.counts[table] = std::stol(sql1(std::string("SELECT count(*) FROM ") + table, w.db));
  std::string users = "'" + w.a_id + "', '" + w.b_id + "'";
  std::string posts = "'" + w.a_published + "', '" + w.a_draft + "', '" + w.b_published + "'";
  s.rows = sql1(
      "SELECT string_agg(t, E'\\n' ORDER BY t) FROM ("
      "SELECT row_to_json(u)::text AS t FROM users u WHERE u.id IN (" +
          users +
          ") UNION ALL "
          "SELECT row_to_json(p)::text FROM posts p WHERE p.id IN (" +
          posts +
          ") UNION ALL "
          "SELECT row_to_json(s)::text FROM sessions s WHERE s.user_id IN (" +
          users + ")) rows",
      w.db);
  return s;
}

std::vector<std::string> error_lines(const std::string& log) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < log.size()) {
    auto end = std::min(log.find('\n', start), log.size());
    std::string_view line(log.data() + start, end - start);
    if (line.size() > 13 && (line.substr(13, 5) == "error" || line.substr(13, 8) == "critical")) out.emplace_back(line);
    start = end + 1;
  }
  return out;
}

}  // namespace pgkit::test::fuzz
