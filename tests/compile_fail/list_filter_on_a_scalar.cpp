// A list filter on a field that is not a list.
#include "testdb/client.hpp"

using namespace testdb::fields;

void list_filter_on_a_scalar(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.count({.where = user::email.has("a")});
#else
  db.user.count({.where = user::roles.has(testdb::Role::ADMIN)});
#endif
}
