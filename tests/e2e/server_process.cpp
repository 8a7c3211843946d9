#include "server_process.hpp"

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "eventually.hpp"
#include "pgkit/local_cluster.hpp"
#include "test_server.hpp"

namespace pgkit::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

boost::json::value HttpReply::json() const { return boost::json::parse(body); }

std::string HttpReply::field(const std::string& name) const {
  auto v = json();
  if (!v.is_object()) return {};
  auto* f = v.as_object().if_contains(name);
  return f && f->is_string() ? std::string(f->as_string()) : std::string();
}

struct HttpClient::Impl {
  int port;
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  void connect() {
    stream.emplace(io);
    stream->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    buffer.clear();
  }
};

HttpClient::HttpClient(int port) : impl_(std::make_unique<Impl>()) { impl_->port = port; }
HttpClient::~HttpClient() = default;

HttpReply HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                              const Headers& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) req.method_string(method);
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  for (int attempt = 0;; ++attempt) {
    try {
      if (!impl_->stream) impl_->connect();
      impl_->stream->expires_after(std::chrono::seconds(60));
      http::write(impl_->stream->socket(), req);
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 << 20);
      parser.skip(req.method() == http::verb::head);  // a HEAD answer has Content-Length, no body
      http::read(impl_->stream->socket(), impl_->buffer, parser);
      auto res = parser.release();
      HttpReply reply{static_cast<int>(res.result_int()), res.body(), {}};
      for (const auto& f : res) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[name] = std::string(f.value());
      }
      if (!res.keep_alive()) impl_->stream.reset();
      return reply;
    } catch (const boost::system::system_error& e) {
      impl_->stream.reset();  // closed by the server while idle: one more try on a new connection
      if (attempt > 0) throw std::runtime_error(method + " " + target + ": " + e.what());
    }
  }
}

ServerProcess::ServerProcess(ServerOptions options) {
  char pattern[] = "/tmp/pgkit-e2e-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = LocalCluster::free_port();
  std::vector<std::string> args{PGKIT_SERVER, "--port", std::to_string(port_), "--migrations", PGKIT_MIGRATIONS,
                                "--threads",  "2"};
  if (options.migrate) args.emplace_back("--migrate");
  args.insert(args.end(), options.args.begin(), options.args.end());
  // Only what the test sets: the developer's DATABASE_URL or PG* must not leak in; and no stray
  // .env from the source tree (it runs in its own directory).
  ProcessOptions how{.unset_env = {"DATABASE_URL", "DB_CONNECTION_STRING", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD",
                                   "PGDATABASE", "POSTGRES_URL", "DB_HOST"},
                     .cwd = dir_};
  std::map<std::string, std::string> env{{"MAILER", "file:" + (dir_ / "mail.jsonl").string()},
                                         {"LOG_LEVEL", "info"},
                                         {"DATABASE_URL", options.database_url}};
  for (auto& [k, v] : options.env) env[k] = v;
  for (auto& [k, v] : env)
    if (!v.empty()) how.env[k] = v;
  process_ = std::make_unique<ChildProcess>(args, dir_ / "server.log", how);
  if (options.wait_until_live)
    if (auto up = wait_for_status("/api/health/live", 200, std::chrono::seconds(30)); !up)
      throw std::runtime_error("pgkit-server did not start: " + std::string(up.message()) + "\n" + log());
  // With a database and --migrate, tests start once the schema is in place.
  if (options.wait_until_ready && options.migrate && !options.database_url.empty())
    if (auto ready = wait_for_status("/api/health/ready", 200, std::chrono::seconds(30)); !ready)
      throw std::runtime_error("pgkit-server did not become ready: " + std::string(ready.message()) + "\n" + log());
}

ServerProcess::~ServerProcess() {
  process_.reset();  // killed, before its directory goes
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::running() { return process_->running(); }

int ServerProcess::stop(int sig, std::chrono::seconds timeout) { return process_->stop(sig, timeout); }

std::string ServerProcess::log() const {
  std::ifstream in(dir_ / "server.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::pair<std::string, std::string>> ServerProcess::mails() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(dir_ / "mail.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto v = boost::json::parse(line).as_object();
    std::string link(v["link"].as_string());
    out.emplace_back(std::string(v["to"].as_string()), link.substr(link.find("token=") + 6));
  }
  return out;
}

::testing::AssertionResult ServerProcess::wait_for_status(const std::string& path, int status,
                                                          std::chrono::seconds timeout) {
  int last = 0;
  bool exited = false;
  auto answered = eventually(
      [&] {
        exited = !running();  // no use waiting for a server that is gone
        return exited || (last = HttpClient(port_).get(path).status) == status;
      },
      timeout, [&] { return "GET " + path + " answered " + std::to_string(last) + ", not " + std::to_string(status); });
  if (exited) return ::testing::AssertionFailure() << "pgkit-server exited while waiting for GET " << path;
  return answered;
}

HttpReply sign_in(ServerProcess& server, HttpClient& client, const std::string& email) {
  auto before = server.mails().size();
  auto asked = client.post("/api/auth/magic-link", "{\"email\":\"" + email + "\"}");
  if (asked.status != 202) throw std::runtime_error("magic-link: " + std::to_string(asked.status) + " " + asked.body);
  auto mails = server.mails();
  if (mails.size() != before + 1) throw std::runtime_error("no sign-in link was mailed to " + email);
  return client.post("/api/auth/verify", "{\"token\":\"" + mails.back().second + "\"}");
}

}  // namespace pgkit::test
