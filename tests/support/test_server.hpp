#pragma once
/// @file test_server.hpp
/// PostgreSQL servers for the integration tests (`*_pgtest.cpp`): one shared by every test of
/// the executable, and private ones for tests that restart, kill or stop their server. All live
/// under one temporary directory, removed when the executable exits.

#include <map>
#include <memory>
#include <string>

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

}  // namespace pgkit::test
