// increment on a field that is not a number.
#include "testdb/client.hpp"

using namespace testdb::fields;

void increment_on_a_string(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.update_many({.data = {post::title.increment(1)}});
#else
  db.post.update_many({.data = {post::views.increment(1)}});
#endif
}
