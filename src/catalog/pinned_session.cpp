#include "catalog/pinned_session.hpp"

#include <fmt/format.h>

#include "pgkit/connection.hpp"

namespace pgkit::catalog::detail {

PinnedSession::PinnedSession(Connection& conn) : conn_(conn) {
  if (conn_.transaction_status() == TxStatus::idle) {
    conn_.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    own_transaction_ = true;
  } else {
    saved_ = current();
  }
  Values pinned;
  for (std::size_t i = 0; i < pinned.size(); ++i) pinned[i] = kPinnedSettings[i].second;
  set(pinned);
}

PinnedSession::~PinnedSession() {
  try {
    if (own_transaction_)
      conn_.execute("ROLLBACK");  // read only: nothing to keep
    else
      set(saved_);
  } catch (...) {
    // A broken connection or an aborted caller transaction: either way the settings were
    // local to a transaction that does not go on.
  }
}

PinnedSession::Values PinnedSession::current() {
  Params params;
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < kPinnedSettings.size(); ++i) {
    params.add(kPinnedSettings[i].first);
    sql += fmt::format("{}current_setting(${}::text)", i ? ", " : "", i + 1);
  }
  auto row = conn_.run(QueryOptions{}, sql, params).one();
  Values values;
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = row.get<std::string>(static_cast<int>(i));
  return values;
}

// Transaction-local (set_config's third argument), so nothing outlives the transaction.
void PinnedSession::set(const Values& values) {
  Params params;
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < values.size(); ++i) {
    params.add(kPinnedSettings[i].first);
    params.add(values[i]);
    sql += fmt::format("{}set_config(${}::text, ${}::text, true)", i ? ", " : "", 2 * i + 1, 2 * i + 2);
  }
  conn_.run(QueryOptions{}, sql, params);
}

}  // namespace pgkit::catalog::detail
