// find_unique on a field that is neither @id nor @unique.
#include "testdb/client.hpp"

using namespace testdb::fields;

void find_unique_without_a_key(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.find_unique({.where = user::name == "Ada"});
#else
  db.user.find_unique({.where = user::email == "ada@example.com"});
#endif
}
