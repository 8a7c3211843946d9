// A string field compared with a number.
#include "testdb/client.hpp"

using namespace testdb::fields;

void value_of_another_type(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.find_many({.where = user::email == 5});
#else
  db.user.find_many({.where = user::email == "5"});
#endif
}
