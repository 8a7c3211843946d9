// An order_by term on another model's field.
#include "testdb/client.hpp"

using namespace testdb::fields;

void order_by_another_models_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.find_many({.order_by = {post::views.desc()}});
#else
  db.user.find_many({.order_by = {user::createdAt.desc()}});
#endif
}
