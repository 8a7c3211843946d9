// An update whose data assigns another model's field.
#include "testdb/client.hpp"

using namespace testdb::fields;

void update_with_another_models_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.update({.where = user::id == 1, .data = {post::title.set("x")}});
#else
  db.user.update({.where = user::id == 1, .data = {user::name.set("x")}});
#endif
}
