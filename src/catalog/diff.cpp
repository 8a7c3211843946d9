// diff: two catalogs → ordered steps. The structure follows Prisma's differ
// (sql_schema_differ.rs): tables are matched by name, columns by name, indexes and foreign keys
// by what they cover (so a renamed index is a rename, not a drop and a create), then the steps
// are sorted by kind, the order in which they always apply.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "catalog/diff_internal.hpp"
#include "pgkit/catalog_diff.hpp"

namespace pgkit::catalog {
namespace {

using detail::column_changes;
using detail::foreign_keys_match;
using detail::indexes_match;

struct Differ {
  Plan& plan;
  const Catalog& from;
  const Catalog& to;
  bool full;                    // both sides are databases: compare everything
  std::set<std::string> scope;  // schemas a schema.prisma speaks for; empty = all

  bool in_scope(const std::string& schema) const { return scope.empty() || scope.count(schema) > 0; }

  Step& add(Step::Kind kind, std::string schema, std::string table) {
    Step s;
    s.kind = kind;
    s.schema = std::move(schema);
    s.table = std::move(table);
    plan.steps.push_back(std::move(s));
    return plan.steps.back();
  }

  void schemas() {
    std::set<std::string> have(from.schemas.begin(), from.schemas.end());
    for (std::size_t i = 0; i < to.schemas.size(); ++i)
      if (!have.count(to.schemas[i])) add(Step::Kind::create_schema, to.schemas[i], to.schemas[i]).to_position = i;
  }

  void extensions() {
    // A schema.prisma without `extensions` says nothing about them: leave the database's alone.
    bool compare = full || !to.extensions.empty() || from.source == Source::prisma_schema;
    if (!compare) return;
    for (std::size_t i = 0; i < to.extensions.size(); ++i) {
      const auto& next = to.extensions[i];
      auto it = std::find_if(from.extensions.begin(), from.extensions.end(),
                             [&](const Extension& e) { return e.name == next.name; });
      if (it == from.extensions.end()) {
        add(Step::Kind::create_extension, next.schema, next.name).to_position = i;
        continue;
      }
      bool version = !it->version.empty() && !next.version.empty() && it->version != next.version;
      bool schema = !it->schema.empty() && !next.schema.empty() && it->schema != next.schema;
      if (version || schema) {
        auto& s = add(Step::Kind::alter_extension, next.schema, next.name);
        s.to_position = i;
        if (version) s.added_values.push_back("version");
        if (schema) s.added_values.push_back("schema");
      }
    }
    if (!full) return;  // Prisma never drops an extension a schema does not mention
    for (std::size_t i = 0; i < from.extensions.size(); ++i) {
      const auto& prev = from.extensions[i];
      if (std::none_of(to.extensions.begin(), to.extensions.end(),
                       [&](const Extension& e) { return e.name == prev.name; }))
        add(Step::Kind::drop_extension, prev.schema, prev.name).from_position = i;
    }
  }

  void enums() {
    for (std::size_t i = 0; i < from.enums.size(); ++i) {
      const auto& prev = from.enums[i];
      if (!in_scope(prev.schema)) continue;
      const Enum* next = to.enumeration(prev.schema, prev.name);
      if (!next) {
        add(Step::Kind::drop_enum, prev.schema, prev.name).from_position = i;
        continue;
      }
      std::vector<std::string> added, removed;
      for (const auto& v : next->values)
        if (std::find(prev.values.begin(), prev.values.end(), v) == prev.values.end()) added.push_back(v);
      for (const auto& v : prev.values)
        if (std::find(next->values.begin(), next->values.end(), v) == next->values.end()) removed.push_back(v);
      if (added.empty() && removed.empty()) continue;
      auto& s = add(Step::Kind::alter_enum, prev.schema, prev.name);
      s.from_position = i;
      s.added_values = std::move(added);
      s.removed_values = std::move(removed);
    }
    for (std::size_t i = 0; i < to.enums.size(); ++i)
      if (!from.enumeration(to.enums[i].schema, to.enums[i].name))
        add(Step::Kind::create_enum, to.enums[i].schema, to.enums[i].name).to_position = i;
  }

  void tables() {
    for (std::size_t i = 0; i < to.tables.size(); ++i) {
      const Table& next = to.tables[i];
      if (from.table(next.schema, next.name)) continue;
      add(Step::Kind::create_table, next.schema, next.name).to_position = i;
      for (std::size_t k = 0; k < next.indexes.size(); ++k) {
        if (next.indexes[k].kind == Index::Kind::primary_key) continue;
        auto& s = add(Step::Kind::create_index, next.schema, next.name);
        s.name = next.indexes[k].name;
        s.unique_constraint = next.indexes[k].is_constraint();
        s.to_position = i, s.sub_position = k;
        s.from_position = 0;  // a new table's indexes come before those of existing tables
      }
      for (std::size_t k = 0; k < next.foreign_keys.size(); ++k) {
        auto& s = add(Step::Kind::add_foreign_key, next.schema, next.name);
        s.name = next.foreign_keys[k].name;
        s.to_position = i, s.sub_position = k;
      }
    }
    for (std::size_t i = 0; i < from.tables.size(); ++i) {
      const Table& prev = from.tables[i];
      if (!in_scope(prev.schema)) continue;
      const Table* next = to.table(prev.schema, prev.name);
      if (next) {
        table_pair(i, prev, *next);
        continue;
      }
      add(Step::Kind::drop_table, prev.schema, prev.name).from_position = i;
      // Its foreign keys go first, so tables can then be dropped in any order.
      for (std::size_t k = 0; k < prev.foreign_keys.size(); ++k) {
        auto& s = add(Step::Kind::drop_foreign_key, prev.schema, prev.name);
        s.name = prev.foreign_keys[k].name;
        s.from_position = i, s.sub_position = k;
      }
    }
  }

  void table_pair(std::size_t from_index, const Table& prev, const Table& next) {
    std::size_t to_index = static_cast<std::size_t>(&next - to.tables.data());
    foreign_key_changes(from_index, prev, to_index, next);
    index_changes(from_index, prev, to_index, next);

    std::vector<TableChange> changes;
    const Index* pk_prev = prev.primary_key();
    const Index* pk_next = next.primary_key();
    bool pk_changed = primary_key_changed(prev, next, pk_prev, pk_next);
    if ((pk_prev && !pk_next) || pk_changed) changes.push_back({.kind = TableChange::Kind::drop_primary_key});
    if (pk_prev && pk_next && !pk_changed && pk_prev->name != pk_next->name)
      changes.push_back({.kind = TableChange::Kind::rename_primary_key});
    // Dropped and added columns in byte order of their names, as Prisma's differ keeps them.
    std::set<std::string> dropped, added;
    for (const auto& c : prev.columns)
      if (!next.column(c.name)) dropped.insert(c.name);
    for (const auto& c : next.columns)
      if (!prev.column(c.name)) added.insert(c.name);
    for (const auto& name : dropped) changes.push_back({.kind = TableChange::Kind::drop_column, .column = name});
    for (const auto& name : added) changes.push_back({.kind = TableChange::Kind::add_column, .column = name});
    for (const auto& c : next.columns) {
      const Column* old = prev.column(c.name);
      if (!old) continue;
      auto ch = column_changes(from, *old, to, c, full);
      if (!ch.any()) continue;
      bool recreate = ch.cast == Cast::impossible || ch.definition;
      changes.push_back({.kind = recreate ? TableChange::Kind::recreate_column : TableChange::Kind::alter_column,
                         .column = c.name,
                         .changes = ch});
    }
    if ((!pk_prev && pk_next) || pk_changed) changes.push_back({.kind = TableChange::Kind::add_primary_key});
    if (full) {
      for (const auto& c : prev.checks)
        if (std::find(next.checks.begin(), next.checks.end(), c) == next.checks.end())
          changes.push_back({.kind = TableChange::Kind::drop_check, .column = c.name});
      for (const auto& c : next.checks)
        if (std::find(prev.checks.begin(), prev.checks.end(), c) == prev.checks.end())
          changes.push_back({.kind = TableChange::Kind::add_check, .column = c.name});
    }
    if (changes.empty()) return;
    auto& s = add(Step::Kind::alter_table, prev.schema, prev.name);
    s.from_position = from_index, s.to_position = to_index;
    s.changes = std::move(changes);
  }

  bool primary_key_changed(const Table& prev, const Table& next, const Index* a, const Index* b) const {
    if (!a || !b) return false;
    if (a->keys.size() != b->keys.size()) return true;
    for (std::size_t i = 0; i < a->keys.size(); ++i)
      if (a->keys[i].column != b->keys[i].column || a->keys[i].descending != b->keys[i].descending) return true;
    // A key column that changes type takes the key with it.
    for (const auto& k : a->keys) {
      const Column* ca = prev.column(k.column);
      const Column* cb = next.column(k.column);
      if (ca && cb && column_changes(from, *ca, to, *cb, false).type) return true;
    }
    return false;
  }

  void foreign_key_changes(std::size_t fi, const Table& prev, std::size_t ti, const Table& next) {
    std::vector<bool> next_matched(next.foreign_keys.size(), false);
    for (std::size_t k = 0; k < prev.foreign_keys.size(); ++k) {
      const auto& fk = prev.foreign_keys[k];
      std::optional<std::size_t> match;
      for (std::size_t j = 0; j < next.foreign_keys.size() && !match; ++j)
        if (!next_matched[j] && foreign_keys_match(from, prev, fk, to, next, next.foreign_keys[j], full)) match = j;
      if (!match) {
        auto& s = add(Step::Kind::drop_foreign_key, prev.schema, prev.name);
        s.name = fk.name, s.from_position = fi, s.sub_position = k;
        continue;
      }
      next_matched[*match] = true;
      const auto& other = next.foreign_keys[*match];
      // Implicit many-to-many join tables keep whatever names their keys have (Prisma did not
      // always name them), so a name change there is no change.
      if (fk.name != other.name && !(detail::is_implicit_join_table(prev) && detail::is_implicit_join_table(next))) {
        auto& s = add(Step::Kind::rename_foreign_key, next.schema, next.name);
        s.name = fk.name, s.new_name = other.name, s.to_position = ti, s.sub_position = *match;
      }
    }
    for (std::size_t j = 0; j < next.foreign_keys.size(); ++j) {
      if (next_matched[j]) continue;
      auto& s = add(Step::Kind::add_foreign_key, next.schema, next.name);
      s.name = next.foreign_keys[j].name, s.to_position = ti, s.sub_position = j;
    }
  }

  void index_changes(std::size_t fi, const Table& prev, std::size_t ti, const Table& next) {
    auto secondary = [](const Index& i) { return i.kind != Index::Kind::primary_key; };
    // Columns dropped and recreated take their indexes with them: create those again.
    std::set<std::string> recreated;
    for (const auto& c : next.columns)
      if (const Column* old = prev.column(c.name)) {
        auto ch = column_changes(from, *old, to, c, full);
        if (ch.cast == Cast::impossible || ch.definition) recreated.insert(c.name);
      }
    for (std::size_t k = 0; k < prev.indexes.size(); ++k) {
      const Index& i = prev.indexes[k];
      if (!secondary(i)) continue;
      auto it = std::find_if(next.indexes.begin(), next.indexes.end(),
                             [&](const Index& n) { return secondary(n) && indexes_match(i, n, full); });
      if (it == next.indexes.end()) {
        auto& s = add(Step::Kind::drop_index, prev.schema, prev.name);
        s.name = i.name, s.unique_constraint = i.is_constraint(), s.from_position = fi, s.sub_position = k;
        continue;
      }
      // Renaming among several indexes on the same columns is unstable: Prisma does not, nor we.
      std::size_t twins = std::count_if(prev.indexes.begin(), prev.indexes.end(), [&](const Index& o) {
        return secondary(o) && o.is_unique() == i.is_unique() && same_columns(o, i);
      });
      if (it->name != i.name && twins == 1) {
        auto& s = add(Step::Kind::rename_index, prev.schema, prev.name);
        s.name = i.name, s.new_name = it->name, s.from_position = fi, s.sub_position = k;
        s.unique_constraint = i.is_constraint();
      }
      bool touches_recreated = std::any_of(it->keys.begin(), it->keys.end(),
                                           [&](const IndexKey& key) { return recreated.count(key.column) > 0; });
      if (touches_recreated) {
        auto& s = add(Step::Kind::create_index, next.schema, next.name);
        s.name = it->name, s.recreated = true, s.unique_constraint = it->is_constraint();
        s.from_position = 1, s.to_position = ti, s.sub_position = static_cast<std::size_t>(it - next.indexes.begin());
      }
    }
    for (std::size_t k = 0; k < next.indexes.size(); ++k) {
      const Index& n = next.indexes[k];
      if (!secondary(n)) continue;
      bool existed = std::any_of(prev.indexes.begin(), prev.indexes.end(),
                                 [&](const Index& i) { return secondary(i) && indexes_match(i, n, full); });
      if (existed) continue;
      auto& s = add(Step::Kind::create_index, next.schema, next.name);
      s.name = n.name, s.unique_constraint = n.is_constraint();
      s.from_position = 1, s.to_position = ti, s.sub_position = k;
    }
  }

  static bool same_columns(const Index& a, const Index& b) {
    if (a.keys.size() != b.keys.size()) return false;
    for (std::size_t i = 0; i < a.keys.size(); ++i)
      if (a.keys[i].column != b.keys[i].column) return false;
    return true;
  }

  // Functions, views, triggers, domains, composite types and standalone sequences: only between
  // two databases. A changed one is dropped and created again.
  void others() {
    if (!full) return;
    auto dependent = [](const std::string& kind) {
      return kind == "view" || kind == "materialized view" || kind == "trigger";
    };
    auto find = [](const std::vector<Opaque>& list, const Opaque& o) {
      return std::find_if(list.begin(), list.end(), [&](const Opaque& x) {
        return x.kind == o.kind && x.schema == o.schema && x.name == o.name;
      });
    };
    for (std::size_t i = 0; i < from.others.size(); ++i) {
      const auto& o = from.others[i];
      auto it = find(to.others, o);
      if (it != to.others.end() && it->lines == o.lines) continue;
      auto& s = add(dependent(o.kind) ? Step::Kind::drop_dependent : Step::Kind::drop_routine, o.schema, o.name);
      s.name = o.kind, s.from_position = i;
    }
    for (std::size_t i = 0; i < to.others.size(); ++i) {
      const auto& o = to.others[i];
      auto it = find(from.others, o);
      if (it != from.others.end() && it->lines == o.lines) continue;
      auto& s = add(dependent(o.kind) ? Step::Kind::create_dependent : Step::Kind::create_routine, o.schema, o.name);
      s.name = o.kind, s.to_position = i;
    }
    for (std::size_t i = 0; i < from.sequences.size(); ++i) {
      const auto& q = from.sequences[i];
      auto it = std::find_if(to.sequences.begin(), to.sequences.end(),
                             [&](const Sequence& x) { return x.schema == q.schema && x.name == q.name; });
      if (it != to.sequences.end() && *it == q) continue;
      add(Step::Kind::drop_sequence, q.schema, q.name).from_position = i;
    }
    for (std::size_t i = 0; i < to.sequences.size(); ++i) {
      const auto& q = to.sequences[i];
      auto it = std::find_if(from.sequences.begin(), from.sequences.end(),
                             [&](const Sequence& x) { return x.schema == q.schema && x.name == q.name; });
      if (it != from.sequences.end() && *it == q) continue;
      add(Step::Kind::create_sequence, q.schema, q.name).to_position = i;
    }
  }
};

// Prisma sorts steps by kind, then by the ids of what they touch (positions in the catalogs).
// Steps about the `from` side sort by from_position, the others by to_position.
bool sorts_by_from(Step::Kind k) {
  switch (k) {
    case Step::Kind::drop_extension:
    case Step::Kind::drop_dependent:
    case Step::Kind::alter_enum:
    case Step::Kind::drop_foreign_key:
    case Step::Kind::drop_index:
    case Step::Kind::alter_table:
    case Step::Kind::drop_table:
    case Step::Kind::drop_enum:
    case Step::Kind::drop_routine:
    case Step::Kind::drop_sequence:
    case Step::Kind::rename_index: return true;
    default: return false;
  }
}

// A database as Prisma's describer sees it, for a comparison with a schema.prisma: what a
// schema cannot say is left out (partitions of a table, indexes on expressions, exclusion
// constraints, a foreign key repeated under another name, checks, functions and the rest), and
// what it says another way is said its way: an identity column is autoincrement(), a
// generated column's expression a dbgenerated() default.
void as_a_schema_sees_it(Catalog& c) {
  std::erase_if(c.tables, [](const Table& t) { return !t.attach.empty(); });
  for (auto& t : c.tables) {
    std::erase_if(t.indexes, [](const Index& i) {
      return i.kind == Index::Kind::exclusion ||
             std::any_of(i.keys.begin(), i.keys.end(), [](const IndexKey& k) { return k.column.empty(); });
    });
    std::vector<ForeignKey> unique_keys;
    for (auto& fk : t.foreign_keys) {
      bool repeated = std::any_of(unique_keys.begin(), unique_keys.end(), [&](const ForeignKey& o) {
        return o.columns == fk.columns && o.referenced_schema == fk.referenced_schema &&
               o.referenced_table == fk.referenced_table && o.referenced_columns == fk.referenced_columns;
      });
      if (!repeated) unique_keys.push_back(std::move(fk));
    }
    t.foreign_keys = std::move(unique_keys);
    t.checks.clear();
    for (auto& col : t.columns) {
      if (col.identity) col.default_value = Default{DefaultKind::sequence, "", ""};
      if (!col.generated.empty()) col.default_value = Default{DefaultKind::expression, col.generated, ""};
      col.identity.reset();
      col.generated.clear();
    }
  }
  c.others.clear();
  c.sequences.clear();
}

}  // namespace

Plan diff(Catalog from, Catalog to) {
  bool full = from.source == Source::database && to.source == Source::database;
  if (!full && from.source == Source::database) as_a_schema_sees_it(from);
  if (!full && to.source == Source::database) as_a_schema_sees_it(to);
  Plan plan{.from = std::move(from), .to = std::move(to), .steps = {}};
  Differ d{plan, plan.from, plan.to, full, {}};
  if (!full) {
    const Catalog& model = plan.to.source == Source::prisma_schema ? plan.to : plan.from;
    d.scope.insert(model.schemas.begin(), model.schemas.end());
  }
  d.schemas();
  d.extensions();
  d.enums();
  d.tables();
  d.others();
  std::stable_sort(plan.steps.begin(), plan.steps.end(), [](const Step& a, const Step& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.kind == Step::Kind::create_index)  // (new table first, table, index)
      return std::tie(a.from_position, a.to_position, a.sub_position) <
             std::tie(b.from_position, b.to_position, b.sub_position);
    auto key = [](const Step& s) {
      return std::pair{sorts_by_from(s.kind) ? s.from_position : s.to_position, s.sub_position};
    };
    return key(a) < key(b);
  });
  return plan;
}

}  // namespace pgkit::catalog
