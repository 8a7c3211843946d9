/// TLS against a real server whose certificates the tests make with openssl (tests/support/
/// tls_certs.hpp): sslmode require / verify-ca / verify-full connect when they should, refuse a
/// wrong host name, an unknown CA and a missing CA file with messages that say what to fix, and
/// `pgkit doctor` shows the TLS version and cipher in use.

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../support/pg_config.hpp"
#include "../support/subprocess.hpp"
#include "../support/test_server.hpp"
#include "../support/tls_certs.hpp"
#include "pgkit/config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"
#include "pgkit/retry.hpp"

namespace pgkit {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The server's URL on another host name (the certificate names localhost, not 127.0.0.1).
std::string on_host(const LocalCluster& server, const std::string& host) {
  std::string url = server.url();
  const auto at = url.find("@127.0.0.1:");
  if (at == std::string::npos) throw std::runtime_error("unexpected test server URL shape");
  return url.replace(at + 1, 9, host);
}

Config config_of(const std::string& url) {
  LoadedConfig loaded = parse_url(url);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  return loaded.config;
}

// What a refused connection reported; nullopt (and a test failure) when it connected.
struct Refusal {
  std::string what, message, hint, sqlstate;
};

std::optional<Refusal> refusal(const std::string& url) {
  try {
    Connection conn(config_of(url));
    ADD_FAILURE() << "connected, but should have been refused: " << config_of(url).masked();
    return std::nullopt;
  } catch (const TlsRefused& e) {
    // Its own type, not AuthenticationFailed (whose advice is to check the password); and trying
    // again cannot fix a certificate: the pool must not retry it to its deadline.
    EXPECT_FALSE(is_transient(e)) << "a TLS refusal counts as transient: " << e.what();
    return Refusal{e.what(), e.message(), e.hint(), e.sqlstate()};
  }
}

// `pgkit ARGS` as a user would run it, URL passed with --database-url (it wins over DATABASE_URL);
// out holds stdout and stderr.
test::ProcessResult run_cli(std::vector<std::string> args, const std::string& url) {
  args.insert(args.begin(), PGKIT_CLI);
  args.insert(args.end(), {"--database-url", url});
  // From /: no stray ./.env or ./migrations of the test's working directory.
  return test::run_process(args, {.cwd = "/", .merge_stderr = true});
}

}  // namespace

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = std::make_unique<test::TlsCerts>();
    server_ = test::private_server(certs_->server_settings());
  }
  static void TearDownTestSuite() {
    server_.reset();  // stop the server before its key and certificate go
    certs_.reset();
  }

  static std::string url(const std::string& query, const std::string& host = "127.0.0.1") {
    return on_host(*server_, host) + "?" + query;
  }
  static std::string rootcert(const std::filesystem::path& file) { return "&sslrootcert=" + url_encode(file.string()); }
  static void expect_no_password(const std::string& text) {
    EXPECT_FALSE(has(text, server_->password())) << "the password leaked into: " << text;
  }

  static inline std::unique_ptr<test::TlsCerts> certs_;
  static inline std::unique_ptr<LocalCluster> server_;
};

TEST_F(Tls, UrlKeepsTheTlsParametersForLibpq) {
  const std::string url = server_->url() + "?sslmode=verify-full" + rootcert(certs_->ca_cert) +
                          "&sslcert=%2Fetc%2Fapp%2Fclient.crt&sslkey=/etc/app/client.key";
  LoadedConfig loaded = parse_url(url);
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("sslmode"), "verify-full");
  EXPECT_EQ(loaded.config.params.at("sslrootcert"), certs_->ca_cert.string());
  EXPECT_EQ(loaded.config.params.at("sslcert"), "/etc/app/client.crt");
  EXPECT_EQ(loaded.config.params.at("sslkey"), "/etc/app/client.key");
  EXPECT_TRUE(has(loaded.config.masked(), "sslmode=verify-full")) << loaded.config.masked();
  EXPECT_FALSE(parse_url(server_->url() + "?sslmode=verify_full").ok());
}

TEST_F(Tls, RequireEncryptsTheConnection) {
  Connection conn(config_of(url("sslmode=require")));
  ASSERT_TRUE(conn.ssl_in_use());
  EXPECT_EQ(conn.ssl_attribute("protocol").rfind("TLS", 0), 0u) << conn.ssl_attribute("protocol");
  EXPECT_FALSE(conn.ssl_attribute("cipher").empty());
  // The server agrees: this backend's connection is TLS.
  EXPECT_TRUE(conn.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar<bool>());
}

TEST_F(Tls, VerifyCaWithOurCaConnectsEvenByIpAddress) {
  // verify-ca checks the signature chain, not the name: 127.0.0.1 is fine.
  Connection conn(config_of(url("sslmode=verify-ca" + rootcert(certs_->ca_cert))));
  EXPECT_TRUE(conn.ssl_in_use());
  EXPECT_EQ(conn.query("SELECT 1").scalar<int>(), 1);
}

TEST_F(Tls, VerifyFullWithOurCaAndTheCertificatesHostNameConnects) {
  Connection conn(config_of(url("sslmode=verify-full" + rootcert(certs_->ca_cert), "localhost")));
  EXPECT_TRUE(conn.ssl_in_use());
  EXPECT_EQ(conn.query("SELECT 1").scalar<int>(), 1);
}

TEST_F(Tls, VerifyFullRefusesAHostNameTheCertificateDoesNotName) {
  auto r = refusal(url("sslmode=verify-full" + rootcert(certs_->ca_cert)));
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(r->message, "does not match host name \"127.0.0.1\"")) << r->message;
  EXPECT_TRUE(has(r->message, "\"localhost\"")) << r->message;  // what the certificate does name
  EXPECT_TRUE(has(r->hint, "connect with a host name the certificate names")) << r->hint;
  EXPECT_TRUE(has(r->hint, "reissue the certificate with this name in subjectAltName (IP:127.0.0.1)")) << r->hint;
  EXPECT_TRUE(has(r->what, "hint: connect with a host name")) << r->what;
  expect_no_password(r->what);
}

TEST_F(Tls, VerifyFullAndVerifyCaRefuseACertificateFromAnUnknownCa) {
  for (const char* mode : {"verify-full", "verify-ca"}) {
    SCOPED_TRACE(mode);
    for (const char* host : {"localhost", "127.0.0.1"}) {
      if (std::string(mode) == "verify-full" && std::string(host) == "127.0.0.1") continue;  // the test above
      auto r = refusal(url(std::string("sslmode=") + mode + rootcert(certs_->unknown_ca_cert), host));
      ASSERT_TRUE(r);
      EXPECT_TRUE(has(r->message, "certificate verify failed")) << r->message;
      EXPECT_TRUE(has(r->hint, "not signed by the CA in sslrootcert (" + certs_->unknown_ca_cert.string() + ")"))
          << r->hint;
      EXPECT_TRUE(has(r->hint, "point sslrootcert at the CA that signed it")) << r->hint;
      expect_no_password(r->what);
    }
  }
}

TEST_F(Tls, VerifyFullWithAMissingCaFileNamesTheFile) {
  auto r = refusal(url("sslmode=verify-full" + rootcert(certs_->missing), "localhost"));
  ASSERT_TRUE(r);
  const std::string file = certs_->missing.string();
  EXPECT_TRUE(has(r->message, "root certificate file \"" + file + "\" does not exist")) << r->message;
  EXPECT_TRUE(has(r->hint, file + " does not exist")) << r->hint;
  EXPECT_TRUE(has(r->hint, "set sslrootcert to the PEM file of the CA")) << r->hint;
  expect_no_password(r->what);
}

TEST_F(Tls, ACaFileGivenAsSslcertIsExplained) {
  // Prisma's sslcert is the server's CA; libpq's is the client certificate, which needs a key.
  auto r = refusal(url("sslmode=require&sslcert=" + url_encode(certs_->ca_cert.string()) +
                       "&sslkey=" + url_encode(certs_->missing.string())));
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(r->message, "certificate present, but not private key file \"" + certs_->missing.string()))
      << r->message;
  EXPECT_TRUE(has(r->hint, "a CA file (Prisma's sslcert) belongs in sslrootcert")) << r->hint;
  expect_no_password(r->what);
}

TEST_F(Tls, RequireRefusesAServerWithTlsOff) {
  const std::string plain = test::shared_server().url() + "?sslmode=require";
  auto r = refusal(plain);
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(r->message, "server does not support SSL")) << r->message;
  EXPECT_TRUE(has(r->hint, "the server has TLS off")) << r->hint;
  EXPECT_FALSE(has(r->what, test::shared_server().password())) << r->what;
}

TEST_F(Tls, DbSslTrueMeansRequire) {
  const std::map<std::string, std::string> env = {
      {"DB_HOST", "127.0.0.1"},     {"DB_PORT", std::to_string(server_->port())},
      {"DB_USER", server_->user()}, {"DB_PASSWORD", server_->password()},
      {"DB_NAME", "postgres"},      {"DB_SSL", "true"}};
  ConfigOptions options;
  options.read_dotenv = false;
  options.getenv = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  LoadedConfig loaded = load_config(options);
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("sslmode"), "require");
  Connection conn(loaded.config);
  EXPECT_TRUE(conn.ssl_in_use());
}

TEST_F(Tls, DoctorShowsTheTlsVersionAndCipher) {
  auto run = run_cli({"doctor"}, url("sslmode=verify-full" + rootcert(certs_->ca_cert), "localhost"));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(\nssl: +TLSv1\.[23] [A-Z0-9_-]+\n)"))) << run.out;
  EXPECT_TRUE(has(run.out, "sslmode=verify-full")) << run.out;  // in the masked url: line
  expect_no_password(run.out);

  auto json = run_cli({"doctor", "--json"}, url("sslmode=require"));
  EXPECT_EQ(json.exit_code, 0) << json.out;
  EXPECT_TRUE(has(json.out, "\"ssl\":true")) << json.out;
  EXPECT_TRUE(std::regex_search(json.out, std::regex(R"("tls":"TLSv1\.[23] [A-Z0-9_-]+")"))) << json.out;
}

TEST_F(Tls, DoctorSaysWhenTlsIsNotInUse) {
  auto run = run_cli({"doctor"}, test::shared_server().url());
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_TRUE(has(run.out, "\nssl:          not in use\n")) << run.out;
}

TEST_F(Tls, DoctorExplainsAVerifyFullRefusal) {
  auto run = run_cli({"doctor"}, url("sslmode=verify-full" + rootcert(certs_->ca_cert)));
  EXPECT_NE(run.exit_code, 0) << run.out;
  EXPECT_TRUE(has(run.out, "connected:    no")) << run.out;
  EXPECT_TRUE(has(run.out, "does not match host name \"127.0.0.1\"")) << run.out;
  EXPECT_TRUE(has(run.out, "check:        connect with a host name the certificate names")) << run.out;
  expect_no_password(run.out);
}

}  // namespace pgkit
