// A count of one model's relation in another model's include list.
#include "testdb/client.hpp"

using namespace testdb::fields;

void count_into_another_model(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.find_many({.include = {user::posts.count()}});
#else
  db.post.find_many({.include = {post::categories.count()}});
#endif
}
