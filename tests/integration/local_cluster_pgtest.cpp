/// LocalCluster against real servers: the shared one, and private ones for restarts and crashes.

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "../support/test_server.hpp"
#include "pgkit/error.hpp"
#include "pgkit/local_cluster.hpp"

namespace pgkit {
namespace {

using test::private_server;
using test::shared_server;
using Rows = std::vector<std::string>;

/// Connect with libpq as an application would; returns "" on success, else libpq's message.
std::string connect_error(const std::string& url) {
  const std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
  return PQstatus(conn.get()) == CONNECTION_OK ? "" : PQerrorMessage(conn.get());
}

TEST(LocalCluster, SharedServerAnswersSelectOne) { EXPECT_EQ(shared_server().sql("select 1"), Rows{"1"}); }

TEST(LocalCluster, UrlConnectsWithThePassword) { EXPECT_EQ(connect_error(shared_server().url()), ""); }

TEST(LocalCluster, WrongPasswordIsRefusedOverTcp) {
  LocalCluster& server = shared_server();
  const std::string url =
      "postgresql://" + server.user() + ":not-the-password@127.0.0.1:" + std::to_string(server.port()) + "/postgres";
  EXPECT_NE(connect_error(url).find("password authentication failed"), std::string::npos);
  EXPECT_EQ(server.sql("select distinct auth_method from pg_hba_file_rules where type = 'host'"),
            Rows{"scram-sha-256"});
}

TEST(LocalCluster, PrivateServerAppliesItsSettings) {
  auto server = private_server({{"work_mem", "7MB"}});
  EXPECT_EQ(server->sql("show work_mem"), Rows{"7MB"});
  EXPECT_NE(server->port(), shared_server().port());
}

TEST(LocalCluster, RestartKeepsThePortAndAnswersAgain) {
  auto server = private_server();
  const int port = server->port();
  const Rows started = server->sql("select pg_postmaster_start_time()");
  server->restart();
  EXPECT_EQ(server->port(), port);
  EXPECT_EQ(server->sql("show port"), Rows{std::to_string(port)});
  EXPECT_NE(server->sql("select pg_postmaster_start_time()"), started);
}

TEST(LocalCluster, StartAfterKillRecoversOnTheSamePort) {
  auto server = private_server();
  const int port = server->port();
  server->kill();
  EXPECT_FALSE(server->running());
  server->start();
  EXPECT_EQ(server->port(), port);
  EXPECT_EQ(server->sql("select 1"), Rows{"1"});
}

TEST(LocalCluster, StopIsSafeToRepeatAndStartServesAgain) {
  auto server = private_server();
  server->stop();
  server->stop();
  EXPECT_FALSE(server->running());
  server->start();
  EXPECT_TRUE(server->running());
}

TEST(LocalCluster, ThrowawayServerRemovesItsDataDirWhenItDies) {
  auto server = private_server();
  const std::filesystem::path data_dir = server->data_dir();
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(data_dir));
}

// The server binaries: PGKIT_PG_BINDIR when set, else `pg_config --bindir`; a folder without
// them is named, with what to do.
TEST(LocalCluster, ServerBinariesComeFromPgkitPgBindirElsePgConfig) {
  const std::filesystem::path found = LocalCluster::find_bin_dir();
  EXPECT_TRUE(std::filesystem::exists(found / "pg_ctl")) << found;
  ::setenv("PGKIT_PG_BINDIR", found.c_str(), 1);
  EXPECT_EQ(LocalCluster::find_bin_dir(), found);
  ::setenv("PGKIT_PG_BINDIR", "/tmp", 1);
  try {
    LocalCluster::find_bin_dir();
    ADD_FAILURE() << "a folder without pg_ctl was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("PGKIT_PG_BINDIR=/tmp holds no pg_ctl"), std::string::npos) << e.what();
  }
  ::unsetenv("PGKIT_PG_BINDIR");
  EXPECT_EQ(LocalCluster::find_bin_dir(), found);
}

TEST(LocalCluster, PrepareDirNamesADirectoryThePostgresUserCannotEnter) {
  if (geteuid() != 0) GTEST_SKIP() << "only root hands directories to the postgres user";
  std::string locked = "/tmp/pgkit-locked-XXXXXX";
  ASSERT_NE(mkdtemp(locked.data()), nullptr);  // mode 0700, owned by root
  std::string message;
  try {
    LocalCluster::prepare_dir(std::filesystem::path(locked) / "data");
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  std::filesystem::remove_all(locked);
  EXPECT_NE(message.find("cannot enter " + locked + " "), std::string::npos) << message;
}

}  // namespace
}  // namespace pgkit
