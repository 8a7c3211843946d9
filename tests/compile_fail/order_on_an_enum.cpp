// Less-than on an enum (Prisma has no lt on enums).
#include "testdb/client.hpp"

using namespace testdb::fields;

void order_on_an_enum(const testdb::Client& db) {
#ifdef PGKIT_COMPILE_FAIL
  db.user.count({.where = user::role < testdb::Role::ADMIN});
#else
  db.user.count({.where = user::role != testdb::Role::ADMIN});
#endif
}
