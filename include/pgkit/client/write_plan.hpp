#pragma once
/// @file client/write_plan.hpp
/// A create with its nested writes (`.author = {.connect = …}`, `.posts = {.create = {…}}`) as
/// data: the generated Writer<M>::plan builds it from the Create struct, and the blocking and
/// the awaitable client run the same plan, statement by statement (PlanRun), so both write
/// exactly the same rows.
///
/// Keys pass between the rows as the text the database returned (`RETURNING`), sent back
/// untyped: each lands in a column that gives it its type, whatever the key's C++ type.

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pgkit/client/write.hpp"

namespace pgkit::client::detail {

struct WritePlan;

/// A to-one relation whose foreign key the row holds (Post.author): the related row, created or
/// found first, gives the values of fk_columns.
struct ParentWrite {
  std::string_view relation;                     // the relation field, for errors
  std::string_view fields;                       // its foreign key fields, for errors
  std::span<const std::string_view> fk_columns;  // the row's columns they are
  Target related;
  std::span<const int> key_indexes;     // the referenced columns, in related's select list
  std::unique_ptr<WritePlan> create{};  // the row to create, else
  Fragment connect{};                   // the row to find
};

/// A relation whose foreign key the other model holds (User.posts, User.profile): rows written
/// after this one, their fk_columns set to its key.
struct ChildWrite {
  std::string_view relation;
  std::string_view fields;                       // the children's foreign key fields, for errors
  std::span<const std::string_view> fk_columns;  // their columns
  Target related;
  std::span<const int> key_indexes;  // the referenced columns, in this row's select list
  std::vector<WritePlan> create{};   // rows to create (without a value of their own for fk_columns)
  std::vector<Fragment> connect{};   // existing rows to point at this one
};

/// An implicit many-to-many relation (Post.categories): rows of its join table ("A", "B").
struct LinkWrite {
  std::string_view join_table;
  bool parent_is_a;  // whether this model's key goes in "A"
  int key_index;     // this row's @id, in its select list
  std::string_view key_column;
  Target related;
  int related_key_index;  // the related row's @id, in its select list
  std::string_view related_key_column;
  std::vector<WritePlan> create{};
  std::vector<Fragment> connect{};
};

/// One row to insert, with the writes of its relations.
struct WritePlan {
  Target target;
  InsertRow row;  // its scalars, defaults and foreign keys given as fields
  std::vector<ParentWrite> parents{};
  std::vector<ChildWrite> children{};
  std::vector<LinkWrite> links{};

  /// Whether it writes more than its own row (then in one transaction).
  bool nested() const noexcept { return !parents.empty() || !children.empty() || !links.empty(); }
};

/// A plan run statement by statement: `while (auto st = run.next()) run.finish(execute(*st))`.
/// The plan stays untouched (a transaction retried runs it again); it must outlive the run.
class PlanRun {
 public:
  explicit PlanRun(const WritePlan& plan);
  PlanRun(const PlanRun&) = delete;
  PlanRun& operator=(const PlanRun&) = delete;
  ~PlanRun();

  /// The next statement, or none when the plan is done. It is made from the results so far
  /// (an insert takes its related rows' keys then): call it once per statement.
  std::optional<Statement> next();
  /// Whose constraints name the fields of the next statement's errors (rethrow_write_error).
  const Target& target() const;
  /// Takes the next statement's result.
  /// @throws RecordNotFound (P2025) for a connect that found fewer rows than it names
  void finish(Result result);
  /// The top row, as inserted (one row, its model's select list).
  Result result() &&;

 private:
  struct Node;
  struct Step;
  Node& visit(const WritePlan& plan, Node* fills, const ChildWrite* filled_by);

  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Step> steps_;
  std::size_t at_ = 0;
};

/// A plan run on the blocking client.
Result run_plan(const Executor& on, const WritePlan& plan);

/// Filters of a to-one connect, when given.
template <class Model>
std::vector<Fragment> fragments(const std::optional<UniqueWhere<Model>>& where) {
  if (!where) return {};
  return {where->fragment()};
}

}  // namespace pgkit::client::detail
