// Keyset paging after another model's row.
#include "testdb/client.hpp"

using namespace testdb::fields;

void after_a_row_of_another_model(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  testdb::Post p;
  db.user.find_many({.take = 2, .after = &p});
#else
  testdb::User u;
  db.user.find_many({.take = 2, .after = &u});
#endif
}
