#pragma once
// How sign-in links reach people. Pluggable: production plugs in its mail service; the
// development mailer logs the link; the file mailer appends one JSON line per message (tests
// and local tools read the links from there).
#include <memory>
#include <string>

namespace pgkit::server {

class Mailer {
 public:
  virtual ~Mailer() = default;
  /// Sends the sign-in link to email. Called off the request's critical path is not required:
  /// implementations must be quick or queue the work themselves.
  virtual void send_magic_link(const std::string& email, const std::string& link) = 0;
};

/// From MAILER: "log" (default; the link goes to the log at info level) or "file:PATH".
std::unique_ptr<Mailer> make_mailer(const std::string& spec);

}  // namespace pgkit::server
