#pragma once
// Shared by the migration engine's files: the tracking rows and the advisory lock.
#include <filesystem>
#include <optional>
#include <string>

#include "pgkit/connection.hpp"
#include "pgkit/migrator.hpp"

namespace pgkit::migrate {

struct Migrator::Applied {
  std::string version, name, checksum, status, applied_by, error;
  std::optional<Timestamp> applied_at;
  int execution_ms = 0;
};

/// The session-level advisory lock of one tracking table, polled with a try-lock outside any
/// transaction (never pg_advisory_lock: see migrator.hpp), released on destruction.
class Migrator::Lock {
 public:
  /// The lock of a pgkit tracking table: a key hashed from its name.
  Lock(Connection& conn, const std::string& table, Millis timeout);
  /// Prisma's lock: the fixed key its engine takes (72707369), so Prisma and pgkit exclude each other.
  Lock(Connection& conn, std::int64_t key, Millis timeout);
  ~Lock();

 private:
  void acquire(Millis timeout);
  Connection& conn_;
  std::int64_t key_ = 0;
};

/// The advisory lock key Prisma Migrate takes before touching `_prisma_migrations`.
inline constexpr std::int64_t kPrismaLockKey = 72707369;

/// Maps a server error position (1-based, in characters) in sql to a line of the file.
int line_of(const std::string& sql, int position, int first_line);

/// A whole file's bytes. @throws MigrationError naming the file when it cannot be read
std::string read_file(const std::filesystem::path& file);

}  // namespace pgkit::migrate
