// A nested create (docs/design/client.md, "Nested writes") flattened into the statements it
// runs, in order: a row's parents (created or found) first, then its INSERT, then its
// children, connects and join-table links. Each step makes its statement from the results of
// the steps before it, so the blocking and the awaitable client share every statement and
// check, and differ only in how they wait.
#include <fmt/format.h>

#include "pgkit/client/errors.hpp"
#include "pgkit/client/write_plan.hpp"

namespace pgkit::client::detail {

namespace {

const std::string kMarker(1, kParam);

Fragment any_of_all(const std::vector<Fragment>& wheres) {
  Fragment out;
  for (const auto& w : wheres) out = any_of(std::move(out), w.sql.empty() ? predicate("TRUE") : w);
  return out;
}

// The values of row 0's columns at indexes, as text (NULL kept).
Params key_of(const Result& r, std::span<const int> indexes) {
  Params out;
  for (int i : indexes) r[0].is_null(i) ? out.add_null() : out.add_text(r[0].text(i));
  return out;
}

// row's columns set to a related row's key; a column the create already set is the caller's
// mistake (Prisma's types allow either the relation or its fields, never both).
void add_key(InsertRow& row, std::span<const std::string_view> columns, const Result& from,
             std::span<const int> indexes, std::string_view fields, std::string_view why) {
  for (auto c : columns)
    for (auto have : row.columns)
      if (have == c)
        throw UsageError({.message = fmt::format("the create gives {} and {}: one of them must go", fields, why),
                          .hint = "set a relation either by its field or by connect/create, not both"});
  for (std::size_t i = 0; i < columns.size() && i < indexes.size(); ++i) {
    row.columns.push_back(columns[i]);
    if (from[0].is_null(indexes[i]))
      row.values.add_null();
    else
      row.values.add_text(from[0].text(indexes[i]));
  }
}

void expect_connected(const Target& t, std::size_t expected, std::int64_t found) {
  if (found < static_cast<std::int64_t>(expected))
    throw RecordNotFound(t.model,
                         fmt::format("connect (expected {} records to be connected, found only {})", expected, found));
}

}  // namespace

struct PlanRun::Node {
  const WritePlan* plan;
  InsertRow row;  // the plan's, with the keys of related rows added
  Result result;
  std::vector<std::pair<const ParentWrite*, const Node*>> created_parents{};
  const ChildWrite* filled_by = nullptr;  // the relation of `parent` that sets this row's key
  const Node* parent = nullptr;
};

struct PlanRun::Step {
  const Target* target;
  std::function<Statement()> make;
  std::function<void(Result&)> done;
};

PlanRun::PlanRun(const WritePlan& plan) { visit(plan, nullptr, nullptr); }
PlanRun::~PlanRun() = default;

PlanRun::Node& PlanRun::visit(const WritePlan& plan, Node* parent, const ChildWrite* filled_by) {
  Node& n = *nodes_.emplace_back(std::make_unique<Node>(Node{&plan, plan.row, {}}));
  n.parent = parent;
  n.filled_by = filled_by;
  for (const auto& p : plan.parents) {
    if (p.create) {
      n.created_parents.emplace_back(&p, &visit(*p.create, nullptr, nullptr));
      continue;
    }
    steps_.push_back(
        {&p.related,
         [&p] {
           return Statement{numbered(fmt::format("SELECT {} FROM {} WHERE {}", p.related.returning, p.related.table,
                                                 p.connect.sql.empty() ? "TRUE" : p.connect.sql)),
                            p.connect.params};
         },
         [&n, &p](Result& r) {
           if (r.empty())
             throw RecordNotFound(p.related.model,
                                  fmt::format("nested connect (needed to inline the relation on '{0}' record: {0}.{1})",
                                              n.plan->target.model, p.relation));
           add_key(n.row, p.fk_columns, r, p.key_indexes, p.fields, fmt::format("{} (connect)", p.relation));
         }});
  }
  steps_.push_back({&plan.target,
                    [&n] {
                      for (auto [p, created] : n.created_parents)
                        add_key(n.row, p->fk_columns, created->result, p->key_indexes, p->fields,
                                fmt::format("{} (create)", p->relation));
                      if (n.filled_by)
                        add_key(n.row, n.filled_by->fk_columns, n.parent->result, n.filled_by->key_indexes,
                                n.filled_by->fields,
                                fmt::format("its place in {}.{}", n.parent->plan->target.model, n.filled_by->relation));
                      return insert_statement(n.plan->target, n.row);
                    },
                    [&n](Result& r) { n.result = std::move(r); }});
  for (const auto& c : plan.children) {
    for (const auto& child : c.create) visit(child, &n, &c);
    if (c.connect.empty()) continue;
    steps_.push_back({&c.related,
                      [&n, &c] {
                        std::string sets;
                        for (auto col : c.fk_columns)
                          sets += fmt::format("{}{} = {}", sets.empty() ? "" : ", ", col, kMarker);
                        Fragment where = any_of_all(c.connect);
                        Params params = key_of(n.result, c.key_indexes);
                        params.append(where.params);
                        return Statement{
                            numbered(fmt::format("UPDATE {} SET {} WHERE {}", c.related.table, sets, where.sql)),
                            std::move(params)};
                      },
                      [&c](Result& r) { expect_connected(c.related, c.connect.size(), r.affected_rows()); }});
  }
  for (const auto& l : plan.links) {
    for (const auto& child : l.create) {
      const Node& created = visit(child, nullptr, nullptr);
      steps_.push_back(
          {&l.related,
           [&n, &l, &created] {
             const int self[] = {l.key_index}, related[] = {l.related_key_index};
             Params self_key = key_of(n.result, self), related_key = key_of(created.result, related);
             Params p = l.parent_is_a ? self_key : related_key;
             p.append(l.parent_is_a ? related_key : self_key);
             return Statement{
                 fmt::format("INSERT INTO {} (\"A\", \"B\") VALUES ($1, $2) ON CONFLICT DO NOTHING", l.join_table),
                 std::move(p)};
           },
           {}});
    }
    if (l.connect.empty()) continue;
    steps_.push_back({&l.related,
                      [&n, &l] {
                        // The parent's key read back from its table, so that it has the column's type (a
                        // parameter in a select list would be text, which a uuid or integer column refuses).
                        Fragment where = any_of_all(l.connect);
                        std::string related_key = fmt::format("{}.{}", l.related.table, l.related_key_column);
                        std::string pair = l.parent_is_a ? "self.pgkit_parent_key, " + related_key
                                                         : related_key + ", self.pgkit_parent_key";
                        std::string sql = fmt::format(
                            "WITH self AS (SELECT {0} AS pgkit_parent_key FROM {1} WHERE {0} = {2}), "
                            "found AS (SELECT {3} FROM self, {4} WHERE {5}), "
                            "linked AS (INSERT INTO {6} (\"A\", \"B\") SELECT * FROM found ON CONFLICT DO NOTHING) "
                            "SELECT count(*) FROM found",
                            l.key_column, n.plan->target.table, kMarker, pair, l.related.table, where.sql,
                            l.join_table);
                        const int self[] = {l.key_index};
                        Params p = key_of(n.result, self);
                        p.append(where.params);
                        return Statement{numbered(sql), std::move(p)};
                      },
                      // Rows found, then linked: a row already linked still counts as connected, as in Prisma.
                      [&l](Result& r) { expect_connected(l.related, l.connect.size(), r.scalar<std::int64_t>()); }});
  }
  return n;
}

std::optional<Statement> PlanRun::next() {
  if (at_ == steps_.size()) return std::nullopt;
  return steps_[at_].make();
}

const Target& PlanRun::target() const { return *steps_[at_].target; }

void PlanRun::finish(Result result) {
  Step& step = steps_[at_++];
  if (step.done) step.done(result);
}

Result PlanRun::result() && { return std::move(nodes_.front()->result); }

Result run_plan(const Executor& on, const WritePlan& plan) {
  PlanRun run(plan);
  while (auto st = run.next()) run.finish(run_write(on, *st, run.target()));
  return std::move(run).result();
}

}  // namespace pgkit::client::detail
