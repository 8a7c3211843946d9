// A filter on one model's field given to another model's call.
#include "testdb/client.hpp"

using namespace testdb::fields;

void field_of_another_model(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.find_many({.where = user::id == 1});
#else
  db.post.find_many({.where = post::authorId == 1});
#endif
}
