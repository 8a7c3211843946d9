// select of a relation field (a relation is read with include, or a second call).
#include "testdb/client.hpp"

using namespace testdb::fields;

void select_of_a_relation(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.select(user::email, user::posts).find_many();
#else
  db.user.select(user::email).find_many();
#endif
}
