// Two models' fields in one condition.
#include "testdb/client.hpp"

using namespace testdb::fields;

void models_mixed_in_one_filter(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.count({.where = post::views > 1 && user::id == 1});
#else
  db.post.count({.where = post::views > 1 && post::authorId == 1});
#endif
}
