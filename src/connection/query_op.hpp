#pragma once
// One statement (or, through the simple protocol, several) and its result: prepared once per
// connection and SQL text when named statements are on.
#include "connection/statement_op.hpp"

namespace pgkit::detail {

class QueryOp : public StatementOp {
 public:
  /// params == nullptr: the simple protocol (several statements, no parameters).
  QueryOp(Connection& conn, Sql sql, const Params* params, bool prepare);

  /// Send what starts the operation.
  Want start();
  /// The result, or the error the server or the link reported, as its pgkit type.
  Result finish();

 private:
  Want send_execute();
  std::optional<Want> take(PGresult* r) override;
  std::optional<Want> results_end() override;
  ConnectionLost lost(const char* what, const std::string& reason) const override;
  Timeout timed_out() const override;

  Sql sql_;
  const Params* params_;
  bool prepare_;
  std::string key_;   // SQL text: the statement cache's key
  std::string name_;  // statement name while preparing
  bool preparing_ = false;
  Result last_;
};

}  // namespace pgkit::detail
