// A string filter on a number field.
#include "testdb/client.hpp"

using namespace testdb::fields;

void contains_on_a_number(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.count({.where = post::views.contains("1")});
#else
  db.post.count({.where = post::title.contains("1")});
#endif
}
