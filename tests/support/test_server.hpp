#pragma once
/// @file test_server.hpp
/// PostgreSQL servers for the integration tests (`*_pgtest.cpp`): one shared by every test of
/// the executable, and private ones for tests that restart, kill or stop their server. All live
/// under one temporary directory, removed when the executable exits.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "eventually.hpp"
#include "pgkit/config.hpp"
#include "pgkit/local_cluster.hpp"

namespace pgkit::test {

/// The server shared by the tests of this executable: started on first use in a temporary
/// directory, on a free port, removed at process exit.
LocalCluster& shared_server();

/// A server of the test's own (for tests that restart, kill or stop it): a copy of a template
/// data directory initdb'd once per executable, on its own port, started. Removed when the
/// returned object dies.
std::unique_ptr<LocalCluster> private_server(std::map<std::string, std::string> settings = {});

/// A streaming standby of primary (pg_basebackup -R), on its own port, started; settings as in
/// private_server. Removed when the returned object dies.
std::unique_ptr<LocalCluster> standby_of(const LocalCluster& primary, std::map<std::string, std::string> settings = {});

/// Waits until standby has replayed all that primary had written when called; the failure names
/// the position awaited and the one replayed.
::testing::AssertionResult standby_caught_up(const LocalCluster& primary, const LocalCluster& standby,
                                             std::chrono::milliseconds timeout = kEventuallyTimeout);

/// Turns server read-only, as a managed server whose disk filled does (ALTER SYSTEM
/// default_transaction_read_only, reloaded), and waits until a new session sees it: by then every
/// existing session has been told, and applies it before its next statement.
::testing::AssertionResult make_read_only(const LocalCluster& server);

/// An empty database of the caller's own on the shared server, so tests never see each other's
/// objects (one a repeated run left behind is dropped first). Returns its URL.
std::string fresh_database_url(const std::string& name);
/// The same database as a Config (slow-query logging off).
Config fresh_database(const std::string& name);
/// A URL as a Config, slow-query logging off. @throws std::runtime_error naming its problems
Config config_for(const std::string& url);
/// A name PostgreSQL and GoogleTest both accept: lower case letters, digits and underscores,
/// at most max of them.
std::string identifier(const std::string& text, std::size_t max = 40);

}  // namespace pgkit::test
