#pragma once
/// @file client_database.hpp
/// A database of the test's own holding the tables of tests/fixtures/client/schema.prisma (the
/// generated test client's schema), made by `db push` as a user's would be.

#include <filesystem>
#include <stdexcept>
#include <string>

#include "pgkit/schema_migrate.hpp"
#include "test_server.hpp"

namespace pgkit::test {

inline Config client_database(const std::string& name) {
  Config c = fresh_database(name);
  auto pushed = migrate::push(c, {.schema = std::filesystem::path(PGKIT_FIXTURES) / "client" / "schema.prisma"});
  if (!pushed.applied) throw std::runtime_error("db push of the client fixture refused");
  return c;
}

}  // namespace pgkit::test
