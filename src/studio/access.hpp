#pragma once
// Who may use the studio (docs/design/studio.md, "Security"): the token of the printed URL,
// exchanged once per browser for a session cookie; requests whose Host or Origin is not the
// studio's own are refused, so neither a page the user visits nor a rebound DNS name can reach
// the API. Only hashes of the token and sessions are kept.
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pgkit::studio {

class Access {
 public:
  /// host: what the studio is bound to ("127.0.0.1", or --host's name); port its port.
  Access(std::string host, unsigned short port);

  /// 127.0.0.1, localhost or ::1.
  static bool is_loopback(std::string_view host);

  /// The token the printed URL carries (made once, random, 256 bits).
  const std::string& token() const noexcept { return token_; }
  /// The URL to open: http://host:port/login?token=….
  std::string login_url() const;

  /// Whether a Host header names the studio itself (its address or a loopback name, with its port).
  bool host_allowed(std::string_view host) const;
  /// Whether an Origin header, when sent, is the studio's own origin ("" = not sent: allowed).
  bool origin_allowed(std::string_view origin) const;
  /// Whether a Sec-Fetch-Site header, when sent, says the request comes from the studio's own
  /// page or the user ("same-origin", "none"): not from another site, nor from another port
  /// of this host ("same-site"), whose GETs carry no Origin.
  static bool fetch_site_allowed(std::string_view fetch_site);

  /// A new session's cookie value when token is the studio's, else nullopt.
  std::optional<std::string> login(std::string_view token);
  /// Whether a Cookie header carries a session login() made.
  bool signed_in(std::string_view cookie_header) const;

  /// The Set-Cookie value for a session. The cookie's name holds the port: browsers share
  /// cookies between the ports of a host, and two studios must not overwrite each other's.
  std::string cookie_for(const std::string& session) const;
  /// "pgkit_studio_5555".
  std::string cookie_name() const;

 private:
  std::vector<std::string> hosts_;  // "127.0.0.1:5555", "localhost:5555", …
  std::string token_;
  std::string token_hash_;
  mutable std::mutex mutex_;
  std::set<std::string> session_hashes_;
  unsigned short port_;
  std::string host_;
};

}  // namespace pgkit::studio
