#include "server/mailer.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "pgkit/log.hpp"

namespace pgkit::server {

namespace {

class LogMailer : public Mailer {
 public:
  void send_magic_link(const std::string& email, const std::string& link) override {
    pgkit::log().info("development mailer: sign-in link for {}: {}", email, link);
  }
};

class FileMailer : public Mailer {
 public:
  explicit FileMailer(std::string path) : path_(std::move(path)) {
    std::ofstream probe(path_, std::ios::app);
    if (!probe) throw std::runtime_error("MAILER=file:" + path_ + ": cannot open the file for appending");
  }
  void send_magic_link(const std::string& email, const std::string& link) override {
    boost::json::object line{{"to", email}, {"link", link}};
    std::lock_guard lock(mutex_);
    std::ofstream out(path_, std::ios::app);
    out << boost::json::serialize(line) << '\n';
  }

 private:
  std::string path_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Mailer> make_mailer(const std::string& spec) {
  if (spec.empty() || spec == "log") return std::make_unique<LogMailer>();
  if (spec.rfind("file:", 0) == 0 && spec.size() > 5) return std::make_unique<FileMailer>(spec.substr(5));
  throw std::invalid_argument("MAILER=" + spec + " is not a mailer: use \"log\" or \"file:PATH\"");
}

}  // namespace pgkit::server
