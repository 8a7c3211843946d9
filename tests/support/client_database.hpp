#pragma once
/// @file client_database.hpp
/// A database of the test's own holding the tables of tests/fixtures/client/schema.prisma (the
/// generated test client's schema), made by `db push` as a user's would be.

#include <filesystem>
#include <stdexcept>
#include <string>

#include "pgkit/pool.hpp"
#include "pgkit/schema_migrate.hpp"
#include "test_server.hpp"

namespace pgkit::test {

inline Config client_database(const std::string& name) {
  Config c = fresh_database(name);
  auto pushed = migrate::push(c, {.schema = std::filesystem::path(PGKIT_FIXTURES) / "client" / "schema.prisma"});
  if (!pushed.applied) throw std::runtime_error("db push of the client fixture refused");
  return c;
}

/// How many times the statements whose text is LIKE pattern ran on this session (PostgreSQL 14+
/// counts the plans it made for each prepared one): give it a pool of one connection.
inline std::int64_t prepared_executions(Pool& one, const std::string& pattern) {
  return one
      .query(
          "SELECT coalesce(sum(generic_plans + custom_plans), 0)::int8 FROM pg_prepared_statements "
          "WHERE statement LIKE $1 AND statement NOT LIKE '%pg_prepared_statements%'",
          pattern)
      .scalar<std::int64_t>();
}

}  // namespace pgkit::test
