#include "studio/access.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "http/tokens.hpp"

namespace pgkit::studio {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of one cookie in a Cookie header ("a=1; pgkit_studio=xyz"), "" when absent.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view part = header.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return part.substr(name.size() + 1);
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

bool same_hash(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool Access::is_loopback(std::string_view host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

Access::Access(std::string host, unsigned short port)
    : token_(http::random_token()), token_hash_(http::sha256_hex(token_)), port_(port), host_(std::move(host)) {
  const std::string p = ":" + std::to_string(port);
  // A loopback studio answers to every loopback name; another address to its own name too.
  for (std::string h : {"127.0.0.1", "localhost", "[::1]"}) hosts_.push_back(h + p);
  if (!is_loopback(host_))
    hosts_.push_back(lower(host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + p);
}

std::string Access::login_url() const {
  std::string shown = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return "http://" + shown + ":" + std::to_string(port_) + "/login?token=" + token_;
}

bool Access::host_allowed(std::string_view host) const {
  return std::find(hosts_.begin(), hosts_.end(), lower(host)) != hosts_.end();
}

bool Access::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return true;
  std::string o = lower(origin);
  constexpr std::string_view scheme = "http://";
  if (o.substr(0, scheme.size()) != scheme) return false;
  return host_allowed(std::string_view(o).substr(scheme.size()));
}

std::optional<std::string> Access::login(std::string_view token) {
  if (!http::looks_like_token(token) || !same_hash(http::sha256_hex(token), token_hash_)) return std::nullopt;
  std::string session = http::random_token();
  std::lock_guard lock(mutex_);
  session_hashes_.insert(http::sha256_hex(session));
  return session;
}

bool Access::fetch_site_allowed(std::string_view fetch_site) {
  return fetch_site.empty() || fetch_site == "same-origin" || fetch_site == "none";
}

std::string Access::cookie_name() const { return "pgkit_studio_" + std::to_string(port_); }

bool Access::signed_in(std::string_view cookie_header) const {
  const std::string name = cookie_name();
  std::string_view session = cookie_value(cookie_header, name);
  if (!http::looks_like_token(session)) return false;
  const std::string hash = http::sha256_hex(session);
  std::lock_guard lock(mutex_);
  return session_hashes_.count(hash) > 0;
}

std::string Access::cookie_for(const std::string& session) const {
  return cookie_name() + "=" + session + "; HttpOnly; SameSite=Strict; Path=/";
}

}  // namespace pgkit::studio
