// is_null on a field that cannot be NULL.
#include "testdb/client.hpp"

using namespace testdb::fields;

void null_check_on_a_required_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.count({.where = user::email.is_null()});
#else
  db.user.count({.where = user::name.is_null()});
#endif
}
