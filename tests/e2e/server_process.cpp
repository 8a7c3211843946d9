#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
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
#include <thread>

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
                                "--threads", "2"};
  if (options.migrate) args.emplace_back("--migrate");
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::map<std::string, std::string> env{{"MAILER", "file:" + (dir_ / "mail.jsonl").string()},
                                         {"LOG_LEVEL", "info"},
                                         {"DATABASE_URL", options.database_url}};
  for (auto& [k, v] : options.env) env[k] = v;
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test killed by a timeout takes its server along
    int fd = ::open((dir_ / "server.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    // Only what the test sets: the developer's DATABASE_URL or PG* must not leak in.
    for (const char* name : {"DATABASE_URL", "DB_CONNECTION_STRING", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD",
                             "PGDATABASE", "POSTGRES_URL", "DB_HOST"})
      ::unsetenv(name);
    for (auto& [k, v] : env)
      if (!v.empty()) ::setenv(k.c_str(), v.c_str(), 1);
    ::chdir(dir_.c_str());  // no stray .env from the source tree
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (options.wait_until_live && !wait_for_status("/api/health/live", 200, std::chrono::seconds(30)))
    throw std::runtime_error("pgkit-server did not start:\n" + log());
  // With a database and --migrate, tests start once the schema is in place.
  if (options.wait_until_ready && options.migrate && !options.database_url.empty() &&
      !wait_for_status("/api/health/ready", 200, std::chrono::seconds(30)))
    throw std::runtime_error("pgkit-server did not become ready:\n" + log());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::stop(int sig, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

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

bool ServerProcess::wait_for_status(const std::string& path, int status, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    try {
      HttpClient client(port_);
      if (client.get(path).status == status) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
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
