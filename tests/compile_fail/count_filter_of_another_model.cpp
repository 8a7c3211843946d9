// count(where) whose filter is on the parent model, not on the counted rows.
#include "testdb/client.hpp"

using namespace testdb::fields;

void count_filter_of_another_model(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.find_many({.include = {user::posts.count(user::email == "x")}});
#else
  db.user.find_many({.include = {user::posts.count(post::title == "x")}});
#endif
}
