// A create that leaves out a field the schema requires (no default, not optional).
#include "testdb/client.hpp"

using namespace testdb::fields;

void create_without_a_required_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.create({.data = {.name = "Ada"}});
#else
  db.user.create({.data = {.email = "ada@example.com", .name = "Ada"}});
#endif
}
