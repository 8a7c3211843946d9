#pragma once
/// @file server_binaries.hpp
/// Where the machine keeps PostgreSQL's programs (initdb, pg_ctl, pg_dump, pg_restore): for
/// the local layer and for what only runs those programs (backups), without LocalCluster.
/// Internal; not installed.

#include <filesystem>

namespace pgkit::detail {

/// PGKIT_PG_BINDIR when set (it must hold pg_ctl), else what `pg_config --bindir` names.
/// @throws ConfigError saying what to install or set
std::filesystem::path find_server_bin_dir();

/// The first answer of find_server_bin_dir(), kept for the life of the process.
std::filesystem::path server_bin_dir();

}  // namespace pgkit::detail
