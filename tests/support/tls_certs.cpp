#include "tls_certs.hpp"

#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "subprocess.hpp"

namespace pgkit::test {
namespace fs = std::filesystem;
namespace {

// One config for every step: -subj names each certificate, the sections give the extensions.
constexpr const char* kOpensslConfig = R"(# Written by pgkit's tests (tests/support/tls_certs.cpp).
[req]
distinguished_name = dn
prompt = no
[dn]
CN = pgkit test
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = DNS:localhost
)";

std::string random_serial() {
  std::random_device random;
  return fmt::format("0x{:08x}{:08x}", random(), random());
}

// A self-signed CA certificate and its key (P-256: fast to make, accepted by every TLS 1.2+ peer).
void make_ca(const fs::path& config, const fs::path& key, const fs::path& cert, const std::string& name,
             const fs::path& log) {
  run_openssl({"req",
               "-x509",
               "-new",
               "-config",
               config.string(),
               "-extensions",
               "ca",
               "-newkey",
               "ec",
               "-pkeyopt",
               "ec_paramgen_curve:prime256v1",
               "-nodes",
               "-keyout",
               key.string(),
               "-out",
               cert.string(),
               "-days",
               "2",
               "-set_serial",
               random_serial(),
               "-subj",
               "/CN=" + name},
              log);
}

}  // namespace

void run_openssl(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command = "openssl";
  for (const auto& a : args) command += " '" + a + "'";
  ProcessResult run;
  try {
    run = run_process(argv, {.merge_stderr = true, .timeout = std::chrono::seconds(60)});
  } catch (const std::system_error& e) {
    throw std::runtime_error(fmt::format("{}: {} (is openssl installed?)", command, e.what()));
  }
  std::ofstream(log, std::ios::trunc) << run.out;
  if (run.exit_code != 0) throw std::runtime_error(fmt::format("{}: {}", command, run.describe()));
}

TlsCerts::TlsCerts() {
  std::string pattern = (fs::temp_directory_path() / "pgkit-tls-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  dir = pattern;
  // mkdtemp makes it 0700; the server (postgres, when we are root) must enter it.
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec);
  ca_cert = dir / "ca.crt";
  ca_key = dir / "ca.key";
  server_cert = dir / "server.crt";
  server_key = dir / "server.key";
  unknown_ca_cert = dir / "unknown-ca.crt";
  unknown_ca_key = dir / "unknown-ca.key";
  missing = dir / "no-such-ca.crt";
  try {
    const fs::path config = dir / "openssl.cnf";
    const fs::path log = dir / "openssl.log";
    std::ofstream(config) << kOpensslConfig;
    make_ca(config, ca_key, ca_cert, "pgkit test CA", log);
    make_ca(config, unknown_ca_key, unknown_ca_cert, "pgkit unknown CA", log);
    const fs::path csr = dir / "server.csr";
    run_openssl({"req", "-new", "-config", config.string(), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", server_key.string(), "-out", csr.string(), "-subj", "/CN=localhost"},
                log);
    run_openssl({"x509", "-req", "-in", csr.string(), "-CA", ca_cert.string(), "-CAkey", ca_key.string(), "-set_serial",
                 random_serial(), "-days", "2", "-extfile", config.string(), "-extensions", "server", "-out",
                 server_cert.string()},
                log);
    // The server refuses a key others can read, and one owned by anyone but itself or root.
    fs::permissions(server_key, fs::perms::owner_read | fs::perms::owner_write);
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) throw std::runtime_error("running as root, but there is no postgres user to give the server key to");
      if (::chown(server_key.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::system_error(errno, std::generic_category(), "chown postgres " + server_key.string());
    }
    for (const auto& cert : {ca_cert, server_cert, unknown_ca_cert})
      fs::permissions(cert,
                      fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
}

TlsCerts::~TlsCerts() {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::map<std::string, std::string> TlsCerts::server_settings() const {
  return {{"ssl", "on"}, {"ssl_cert_file", server_cert.string()}, {"ssl_key_file", server_key.string()}};
}

}  // namespace pgkit::test
