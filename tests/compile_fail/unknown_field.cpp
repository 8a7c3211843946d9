// A field the model does not have.
#include "testdb/client.hpp"

using namespace testdb::fields;

void unknown_field(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.count({.where = user::nickname == "ada"});
#else
  db.user.count({.where = user::name == "ada"});
#endif
}
