// select of another model's relation count.
#include "testdb/client.hpp"

using namespace testdb::fields;

void select_count_of_another_model(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.select(post::title, user::posts.count()).find_many();
#else
  db.post.select(post::title, post::categories.count()).find_many();
#endif
}
