// count() of a to-one relation (Prisma counts only list relations in `_count`).
#include "testdb/client.hpp"

using namespace testdb::fields;

void count_of_a_to_one_relation(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.post.find_many({.include = {post::author.count()}});
#else
  db.user.find_many({.include = {user::posts.count()}});
#endif
}
