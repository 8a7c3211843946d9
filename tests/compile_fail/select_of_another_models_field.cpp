// select of another model's field, or of a relation.
#include "testdb/client.hpp"

using namespace testdb::fields;

void select_of_another_models_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.select(user::email, post::title).find_many();
#else
  db.user.select(user::email, user::name).find_many();
#endif
}
