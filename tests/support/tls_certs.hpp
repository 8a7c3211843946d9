#pragma once
/// @file tls_certs.hpp
/// Throwaway TLS certificates for the integration tests, made with the `openssl` command line:
/// a test CA, a server certificate it signs (subjectAltName DNS:localhost only, so that
/// 127.0.0.1 is a wrong host name for sslmode=verify-full), and a second, unrelated CA that
/// signed nothing the server holds (an "unknown CA").
///
/// @code
///   pgkit::test::TlsCerts certs;                                  // a fresh temporary directory
///   auto server = pgkit::test::private_server(certs.server_settings());
///   std::string url = server->url() + "?sslmode=verify-ca&sslrootcert=" + certs.ca_cert.string();
/// @endcode

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pgkit::test {

class TlsCerts {
 public:
  /// Makes every file in a new temporary directory (mode 0755, so the server user can enter
  /// it); the server key goes to the server user (postgres, when we are root), mode 0600.
  /// @throws std::runtime_error naming the openssl step that failed, with its output.
  TlsCerts();
  /// Removes the directory. Stop any server using the files first.
  ~TlsCerts();
  TlsCerts(const TlsCerts&) = delete;
  TlsCerts& operator=(const TlsCerts&) = delete;

  /// postgresql.conf lines for a server that speaks TLS with these files.
  std::map<std::string, std::string> server_settings() const;

  std::filesystem::path dir;
  std::filesystem::path ca_cert, ca_key;                  ///< the CA that signed server_cert
  std::filesystem::path server_cert, server_key;          ///< SAN DNS:localhost only; CN localhost
  std::filesystem::path unknown_ca_cert, unknown_ca_key;  ///< a CA that signed nothing of the server's
  std::filesystem::path missing;                          ///< a path in dir where no file exists
};

/// Run `openssl` with these arguments (no shell); its output goes to `log`.
/// @throws std::runtime_error with the command and its output when it does not exit 0.
void run_openssl(const std::vector<std::string>& args, const std::filesystem::path& log);

}  // namespace pgkit::test
