// dump_schema: the live schema described into a catalog, written as a snapshot
// (src/catalog: describe.cpp reads, snapshot.cpp writes).
#include "pgkit/catalog.hpp"
#include "pgkit/migrate.hpp"

namespace pgkit::migrate {

std::string dump_schema(Connection& conn, const std::string& tracking_table) {
  return catalog::snapshot(catalog::describe(conn, {.exclude_tables = {tracking_table}}));
}

}  // namespace pgkit::migrate
