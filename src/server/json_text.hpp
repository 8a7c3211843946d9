#pragma once
// Users and posts as the API writes them, from plain columns. JSON is written here rather than
// by PostgreSQL (json_build_object): the database's CPU is the scarcer, shared resource, and the
// feed's page cost it ~60 µs more that way (docs/performance.md).
#include <string>

#include "pgkit/result.hpp"
#include "pgkit/types.hpp"

namespace pgkit::server {

namespace db {
struct Post;
struct User;
}  // namespace db

/// The columns user_json() reads, in order (alias `u` for users).
inline constexpr const char* kUserColumns =
    "u.id::text, u.email, u.role::text, u.is_active, u.last_login_at, u.created_at, u.updated_at";
/// The columns post_json() reads, in order (alias `p` for posts).
inline constexpr const char* kPostColumns =
    "p.id::text, p.title, p.content, p.published, p.author_id::text, p.created_at, p.updated_at";

/// {"id","email","role","isActive","lastLoginAt","createdAt","updatedAt"} from kUserColumns
/// starting at column first.
std::string user_json(const Row& row, int first);
/// {"id","title","content","published","authorId","createdAt","updatedAt"} from kPostColumns.
std::string post_json(const Row& row, int first);

/// A time as the API writes it: ISO 8601 in UTC with milliseconds (JavaScript's toISOString()).
std::string iso_time(Timestamp t);

/// The same objects from rows the generated client read (prisma/schema.prisma).
std::string user_json(const db::User& user);
std::string post_json(const db::Post& post);

}  // namespace pgkit::server
