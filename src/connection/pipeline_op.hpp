#pragma once
// A batch of statements sent in one round trip (libpq's pipeline mode) and their results.
#include <vector>

#include "connection/statement_op.hpp"

namespace pgkit::detail {

class PipelineOp : public StatementOp {
 public:
  /// named: statements through the connection's cache of named statements; else each unnamed.
  PipelineOp(Connection& conn, const Pipeline& batch, bool named);
  Want start();
  std::vector<Result> finish();

 private:
  // What each group of results (ended by a NULL from PQgetResult) answers.
  struct Step {
    std::size_t item;
    bool prepare;  // the Parse of a statement not cached yet
    std::string key, name;
  };
  std::optional<Want> take(PGresult* r) override;
  std::optional<Want> results_end() override;
  ConnectionLost lost(const char* what, const std::string& reason) const override;
  Timeout timed_out() const override;

  const Pipeline& batch_;
  bool named_;
  std::vector<Step> steps_;
  std::size_t step_ = 0;
  bool synced_ = false;
  std::vector<Result> results_;
};

}  // namespace pgkit::detail
