#include "connection/connect_error.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "pgkit/error.hpp"

namespace pgkit::detail {
namespace {

bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

// libpq gives no SQLSTATE for a failed connection attempt, only text: map the cases callers
// act on (credentials, capacity, a server not ready) so retry rules can see them.
std::string connect_sqlstate(const std::string& msg) {
  if (contains(msg, "password authentication failed") || contains(msg, "no password supplied") ||
      contains(msg, "authentication failed"))
    return "28P01";
  if (contains(msg, "role \"") && contains(msg, "does not exist")) return "28000";
  // TLS refusals will not go away by trying again: the server failed to prove who it is (or
  // cannot speak TLS at all). Not class 08, so the pool does not retry them to its deadline.
  if (contains(msg, "certificate verify failed") || contains(msg, "does not match host name") ||
      contains(msg, "root certificate file") || contains(msg, "server does not support SSL") ||
      contains(msg, "certificate present, but not private key"))
    return "28000";
  if (contains(msg, "database \"") && contains(msg, "does not exist")) return "3D000";
  if (contains(msg, "too many clients") || contains(msg, "remaining connection slots")) return "53300";
  if (contains(msg, "starting up") || contains(msg, "shutting down") || contains(msg, "in recovery mode") ||
      contains(msg, "not yet accepting"))
    return "57P03";
  return "08001";
}

std::string connect_hint(const std::string& sqlstate) {
  if (sqlstate == "28P01" || sqlstate == "28000")
    return "check the user name and password in DATABASE_URL (or DB_USER/DB_PASSWORD); passwords with special "
           "characters must be percent-encoded in a URL";
  if (sqlstate == "3D000") return "create the database, or fix the database name at the end of DATABASE_URL";
  if (sqlstate == "53300")
    return "the server's max_connections is used up: lower DB_POOL_MAX, count instances × pool max, or put "
           "PgBouncer in front";
  if (sqlstate == "57P03") return "the server is starting or shutting down; pgkit retries connecting";
  return "check that PostgreSQL is running (pg_isready -h HOST -p PORT), that host and port in DATABASE_URL are "
         "right, and firewall rules; raise DB_CONNECTION_TIMEOUT_MS for a slow network";
}

// The file name libpq quotes after `what` (`root certificate file "/x" does not exist`), or "".
std::string quoted_after(const std::string& msg, const std::string& what) {
  auto start = msg.find(what + " \"");
  if (start == std::string::npos) return "";
  start += what.size() + 2;
  auto end = msg.find('"', start);
  return end == std::string::npos ? "" : msg.substr(start, end - start);
}

// TLS refusals: libpq names the symptom; say what to change. "" when msg is not one of them.
std::string tls_hint(const std::string& msg, const Config& config) {
  auto param = [&](const char* keyword) {
    auto it = config.params.find(keyword);
    return it == config.params.end() ? std::string() : it->second;
  };
  if (contains(msg, "certificate verify failed")) {
    std::string root = param("sslrootcert");
    if (root.empty()) {
      const char* env = std::getenv("PGSSLROOTCERT");
      root = env && *env ? env : "not set, so libpq's default ~/.postgresql/root.crt";
    }
    return fmt::format(
        "the server's certificate is not signed by the CA in sslrootcert ({}): point sslrootcert "
        "at the CA that signed it (for a managed database, the provider's CA bundle); an expired "
        "certificate is refused the same way",
        root);
  }
  if (std::string host = quoted_after(msg, "does not match host name"); !host.empty()) {
    bool address = host.find_first_not_of("0123456789.") == std::string::npos || contains(host, ":");
    return fmt::format(
        "connect with a host name the certificate names, or reissue the certificate with this name "
        "in subjectAltName ({}:{})",
        address ? "IP" : "DNS", host);
  }
  if (std::string file = quoted_after(msg, "root certificate file"); !file.empty())
    return fmt::format(
        "sslmode={} checks the server's certificate against a CA certificate, and {} {}: set "
        "sslrootcert to the PEM file of the CA that signed the server's certificate",
        param("sslmode").empty() ? "verify-ca/verify-full" : param("sslmode"), file,
        contains(msg, "does not exist") ? "does not exist" : "could not be read");
  if (contains(msg, "server does not support SSL"))
    return "the server has TLS off: turn it on (ssl = on with ssl_cert_file and ssl_key_file), or lower sslmode "
           "only on a network you trust";
  if (contains(msg, "certificate present, but not private key"))
    return "sslcert is the client certificate and needs its key in sslkey; a CA file (Prisma's sslcert) belongs "
           "in sslrootcert";
  return "";
}

}  // namespace

void throw_connect_error(const std::string& display_url, const std::string& message, const Config& config) {
  std::string state = connect_sqlstate(message);
  ErrorFields f{.sqlstate = state,
                .message = fmt::format("cannot connect to {}: {}", display_url, message),
                .hint = tls_hint(message, config)};
  if (!f.hint.empty()) throw TlsRefused(std::move(f), {});
  f.hint = connect_hint(state);
  if (state == "28P01" || state == "28000") throw AuthenticationFailed(std::move(f), {});
  if (state == "53300") throw TooManyConnections(std::move(f), {});
  throw CannotConnect(std::move(f), {});
}

}  // namespace pgkit::detail
