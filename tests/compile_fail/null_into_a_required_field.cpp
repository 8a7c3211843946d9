// NULL assigned to a field that cannot be NULL.
#include "testdb/client.hpp"

using namespace testdb::fields;

void null_into_a_required_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.update_many({.data = {user::email.set(std::nullopt)}});
#else
  db.user.update_many({.data = {user::name.set(std::nullopt)}});
#endif
}
