// find_unique on one field of a compound @@unique.
#include "testdb/client.hpp"

using namespace testdb::fields;

void find_unique_on_half_a_compound_key(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.find_unique({.where = post::title == "Hello"});
#else
  db.post.find_unique({.where = post::authorId_title(1, "Hello")});
#endif
}
