#include "connection/rerun.hpp"

#include <atomic>
#include <cctype>

#include "connection/connection_access.hpp"
#include "pgkit/log.hpp"

namespace pgkit::detail {
namespace {

// A named statement failed in the way a pooler in transaction mode makes it fail: the Bind
// reached a server connection that never saw the Parse (26000), another client's Parse of the
// same name came first (42P05), or the pooler refused the protocol (08P01).
bool is_pooler_statement_error(const Error& e) {
  const std::string& state = e.sqlstate();
  // About one of our statements, not a PREPARE/EXECUTE/DEALLOCATE of the caller's own SQL.
  if (state == "26000" || state == "42P05") return e.message().find("pgkit_") != std::string::npos;
  // "bind message supplies 1 parameters, but prepared statement … requires 2" is the caller's
  // parameter count, which an unnamed statement would not fix.
  if (state == "08P01") return e.message().find("bind message supplies") == std::string::npos;
  return false;
}

// A cached plan gone stale (0A000 after DDL) that did not run. (26000, after DISCARD ALL or
// through a transaction pooler, is is_pooler_statement_error's.)
bool is_stale_statement(const Error& e) {
  return e.sqlstate() == "0A000" && e.message().find("cached plan") != std::string::npos;
}

}  // namespace

bool rerun_is_safe(const Pipeline& batch, const Error& e) {
  // The batch is one implicit transaction, unless it commits inside itself: then what came
  // before the failing statement may have committed, and must not run twice.
  const int failed = e.pipeline_index();
  if (failed < 0) return false;
  for (int i = 0; i < failed && i < static_cast<int>(batch.items().size()); ++i) {
    std::string head;
    for (char ch : batch.items()[i].sql) {
      if (std::isspace(static_cast<unsigned char>(ch)) && head.empty()) continue;
      if (!std::isalpha(static_cast<unsigned char>(ch))) break;
      head += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    for (const char* control : {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE"})
      if (head == control) return false;
  }
  return true;
}

Rerun after_named_failure(Connection& conn, const Error& e, const std::string* cache_key) {
  // A protocol violation on a connection that broke is the link failing, not a pooler's.
  if (is_pooler_statement_error(e) && !(e.sqlstate() == "08P01" && conn.broken())) {
    bool first = conn.named_statements();
    conn.use_named_statements(false);
    static std::atomic<bool> warned{false};
    if (first && !warned.exchange(true))
      log().warn(
          "named prepared statements are not kept by a pooler between transactions (SQLSTATE {}): "
          "switched to unnamed statements; set pgbouncer=true in DATABASE_URL to start that way",
          e.sqlstate());
    else if (first)
      log().debug("{}: named prepared statements off after SQLSTATE {}", conn.display_url(), e.sqlstate());
    return conn.broken() || conn.transaction_status() != TxStatus::idle ? Rerun::no : Rerun::unnamed;
  }
  if (cache_key && is_stale_statement(e) && !conn.broken()) {
    ConnectionAccess::statements(conn).erase(*cache_key);
    return conn.transaction_status() == TxStatus::idle ? Rerun::named : Rerun::no;
  }
  return Rerun::no;
}

}  // namespace pgkit::detail
