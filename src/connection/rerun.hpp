#pragma once
// When a statement that failed with named prepared statements may run again: after a pooler
// showed it does not keep them (then unnamed), or after DDL made a cached plan stale (then
// prepared afresh). Once, and never where the first attempt may have left something behind.
#include <string>

#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"

namespace pgkit::detail {

/// What to do after a statement run with named prepared statements failed (and did not run).
enum class Rerun { no, named, unnamed };

/// Decides, and updates conn. A pooler that does not keep named statements between transactions
/// (26000 or 42P05 about a pgkit statement, 08P01) turns them off on conn for good — logged once
/// per process — and the statement may run again unnamed. A cached plan gone stale (0A000 after
/// DDL) is forgotten and may be prepared again (cache_key: the statement's SQL; nullptr for a
/// pipeline). Never a rerun on a broken connection, nor inside a transaction, which the error has
/// aborted: the caller retries the whole transaction.
Rerun after_named_failure(Connection& conn, const Error& e, const std::string* cache_key);

/// Whether batch may run again after e: nothing before the failing statement commits by itself.
bool rerun_is_safe(const Pipeline& batch, const Error& e);

}  // namespace pgkit::detail
