// render_script: steps → the SQL Prisma Migrate writes for them (postgres/renderer.rs): the
// same statements, spacing and names, so a migration reads the same whichever tool wrote it.
// Objects Prisma does not model (views, functions, triggers, checks — only in diffs between
// two databases) are written as the server deparsed them.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/diff_internal.hpp"
#include "catalog/native_type.hpp"
#include "catalog/type_text.hpp"
#include "pgkit/catalog_diff.hpp"

namespace pgkit::catalog {
namespace {

using detail::prisma_type;

constexpr const char* kIndent = "    ";

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// "public.\"Post_id_seq\"" → "Post_id_seq".
std::string strip_schema(const std::string& name) {
  std::string out;
  bool in_quotes = false;
  for (char c : name) {
    if (c == '"')
      in_quotes = !in_quotes;
    else if (c == '.' && !in_quotes)
      out.clear();
    else
      out += c;
  }
  return out;
}

const char* action_sql(Action a) {
  switch (a) {
    case Action::no_action: return "NO ACTION";
    case Action::restrict: return "RESTRICT";
    case Action::cascade: return "CASCADE";
    case Action::set_null: return "SET NULL";
    case Action::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

// A view, trigger, domain, type or routine as Prisma's step comments name its kind:
// "materialized view" → "MaterializedView"; a routine that is not a procedure is a function.
std::string dependent_noun(const std::string& kind) {
  return kind == "view"                ? "View"
         : kind == "materialized view" ? "MaterializedView"
         : kind == "trigger"           ? "Trigger"
         : kind == "domain"            ? "Domain"
         : kind == "type"              ? "Type"
         : kind == "procedure"         ? "Procedure"
                                       : "Function";
}

std::string description(Step::Kind k, const std::string& other_kind) {
  switch (k) {
    case Step::Kind::create_schema: return "CreateSchema";
    case Step::Kind::drop_extension: return "DropExtension";
    case Step::Kind::create_extension: return "CreateExtension";
    case Step::Kind::alter_extension: return "AlterExtension";
    case Step::Kind::create_enum: return "CreateEnum";
    case Step::Kind::alter_enum: return "AlterEnum";
    case Step::Kind::drop_foreign_key: return "DropForeignKey";
    case Step::Kind::drop_index: return "DropIndex";
    case Step::Kind::alter_table: return "AlterTable";
    case Step::Kind::drop_table: return "DropTable";
    case Step::Kind::drop_enum: return "DropEnum";
    case Step::Kind::create_table: return "CreateTable";
    case Step::Kind::create_index: return "CreateIndex";
    case Step::Kind::rename_foreign_key: return "RenameForeignKey";
    case Step::Kind::add_foreign_key: return "AddForeignKey";
    case Step::Kind::rename_index: return "RenameIndex";
    case Step::Kind::create_sequence: return "CreateSequence";
    case Step::Kind::drop_sequence: return "DropSequence";
    case Step::Kind::drop_dependent:
    case Step::Kind::drop_routine: return "Drop" + dependent_noun(other_kind);
    case Step::Kind::create_dependent:
    case Step::Kind::create_routine: return "Create" + dependent_noun(other_kind);
  }
  return "Step";
}

struct Renderer {
  const Plan& plan;
  const RenderOptions& options;

  std::string name(const std::string& schema, const std::string& object) const {
    if (options.qualify_all || (!schema.empty() && schema != options.default_schema))
      return quoted(schema) + "." + quoted(object);
    return quoted(object);
  }

  // A serial column: an integer whose default is its own sequence, "<table>_<column>_seq".
  static bool serial(const Table& t, const Column& c) {
    if (!detail::is_autoincrement(c) || c.type.dimensions > 0) return false;
    const std::string& seq = c.default_value->value;
    if (seq.empty()) return true;  // a schema.prisma's autoincrement()
    auto bare = seq.substr(seq.rfind('.') == std::string::npos ? 0 : seq.rfind('.') + 1);
    bare.erase(std::remove(bare.begin(), bare.end(), '"'), bare.end());
    return bare == t.name + "_" + c.name + "_seq" || bare.size() == 63;  // PostgreSQL truncates long names
  }

  std::string column_type(const Catalog& catalog, const Table& t, const Column& c) const {
    std::string enum_name;
    if (detail::is_enum(catalog, c.type)) enum_name = name(c.type.schema, c.type.name);
    return prisma_type(c.type, serial(t, c), enum_name);
  }

  std::string column(const Catalog& catalog, const Table& t, const Column& c) const {
    std::string out = fmt::format("{}{} {}", kIndent, quoted(c.name), column_type(catalog, t, c));
    if (!c.collation.empty()) out += " COLLATE " + c.collation;
    if (c.not_null) out += " NOT NULL";
    if (c.default_value && !serial(t, c) && !c.default_value->expression.empty())
      out += " DEFAULT " + c.default_value->expression;
    if (!c.generated.empty()) out += fmt::format(" GENERATED ALWAYS AS ({}) STORED", c.generated);
    if (c.identity)
      out += fmt::format(" GENERATED {} AS IDENTITY{}", c.identity->always ? "ALWAYS" : "BY DEFAULT",
                         c.identity->options.empty() ? "" : " " + c.identity->options);
    return out;
  }

  const Table& from_table(const Step& s) const { return *plan.from.table(s.schema, s.table); }
  const Table& to_table(const Step& s) const { return *plan.to.table(s.schema, s.table); }

  static const Index& index_named(const Table& t, const std::string& n) {
    return *std::find_if(t.indexes.begin(), t.indexes.end(), [&](const Index& i) { return i.name == n; });
  }
  static const ForeignKey& fk_named(const Table& t, const std::string& n) {
    return *std::find_if(t.foreign_keys.begin(), t.foreign_keys.end(),
                         [&](const ForeignKey& f) { return f.name == n; });
  }

  std::string create_table(const Table& t) const {
    std::vector<std::string> cols;
    for (const auto& c : t.columns) cols.push_back(column(plan.to, t, c));
    std::string out = fmt::format("CREATE TABLE {} (\n{}", name(t.schema, t.name), fmt::join(cols, ",\n"));
    if (const Index* pk = t.primary_key()) {
      std::vector<std::string> keys;
      for (const auto& k : pk->keys) keys.push_back(quoted(k.column));
      out += fmt::format(",\n\n{}CONSTRAINT {} PRIMARY KEY ({})", kIndent, quoted(pk->name), fmt::join(keys, ","));
    }
    for (const auto& check : t.checks)
      out += fmt::format(",\n{}CONSTRAINT {} {}", kIndent, quoted(check.name), check.definition);
    return out + "\n)";
  }

  static bool beyond_prisma(const Index& i) {
    bool expression = std::any_of(i.keys.begin(), i.keys.end(),
                                  [](const IndexKey& k) { return !k.expression.empty() || k.nulls_first.has_value(); });
    return expression || !i.predicate.empty() || !i.include.empty() || !i.options.empty() || i.nulls_not_distinct ||
           i.kind == Index::Kind::exclusion;
  }

  std::vector<std::string> create_index(const Table& t, const Index& i) const {
    if (i.is_constraint())
      return {fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", name(t.schema, t.name), quoted(i.name),
                          !i.definition.empty() ? i.definition : unique_definition(i))};
    if (beyond_prisma(i) && !i.definition.empty()) return {i.definition};
    std::vector<std::string> keys;
    for (const auto& k : i.keys) {
      std::string key = quoted(k.column);
      if (k.descending)
        key += " DESC";
      else if (k.explicit_order)
        key += " ASC";
      if (!k.opclass.empty()) key += " " + k.opclass;
      keys.push_back(std::move(key));
    }
    std::string method = i.method == "btree" ? "" : " USING " + upper(i.method) + " ";
    std::string where = i.predicate.empty() ? "" : fmt::format(" WHERE ({})", i.predicate);
    return {fmt::format("CREATE {}INDEX {} ON {}{}({}){}", i.is_unique() ? "UNIQUE " : "", quoted(i.name),
                        name(t.schema, t.name), method, fmt::join(keys, ", "), where)};
  }

  static std::string unique_definition(const Index& i) {
    std::vector<std::string> keys;
    for (const auto& k : i.keys) keys.push_back(quoted(k.column));
    return fmt::format("UNIQUE ({})", fmt::join(keys, ", "));
  }

  static std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s == "SPGIST" ? "SPGIST" : s;
  }

  std::string add_foreign_key(const Table& t, const ForeignKey& fk) const {
    std::vector<std::string> cols, refs;
    for (const auto& c : fk.columns) cols.push_back(quoted(c));
    for (const auto& c : fk.referenced_columns) refs.push_back(quoted(c));
    return fmt::format("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
                       name(t.schema, t.name), quoted(fk.name), fmt::join(cols, ", "),
                       name(fk.referenced_schema, fk.referenced_table), fmt::join(refs, ", "), action_sql(fk.on_delete),
                       action_sql(fk.on_update));
  }

  std::vector<std::string> alter_enum(const Step& s) const {
    const Enum& prev = *plan.from.enumeration(s.schema, s.table);
    const Enum* next = plan.to.enumeration(s.schema, s.table);
    std::string enum_name = name(prev.schema, prev.name);
    std::vector<std::string> out;
    if (s.removed_values.empty()) {
      for (const auto& v : s.added_values)
        out.push_back(fmt::format("ALTER TYPE {} ADD VALUE {}", enum_name, detail::sql_literal(v)));
      if (out.size() > 1)
        out[0] =
            "-- This migration adds more than one value to an enum.\n"
            "-- With PostgreSQL versions 11 and earlier, this is not possible\n"
            "-- in a single migration. This can be worked around by creating\n"
            "-- multiple migrations, each migration adding only one value to\n"
            "-- the enum.\n\n\n" +
            out[0];
      return out;
    }
    // Values cannot be removed from a PostgreSQL enum: create the new type, move every column
    // to it, and swap the names — in one transaction.
    std::string tmp = name(prev.schema, prev.name + "_new");
    std::vector<std::string> values;
    for (const auto& v : next->values) values.push_back(detail::sql_literal(v));
    out.push_back("BEGIN");
    out.push_back(fmt::format("CREATE TYPE {} AS ENUM ({})", tmp, fmt::join(values, ", ")));
    struct Usage {
      const Table* table;
      const Column* column;
      const Column* next;
    };
    std::vector<Usage> defaults;
    for (const auto& t : plan.from.tables)
      for (const auto& c : t.columns)
        if (c.type.schema == prev.schema && c.type.name == prev.name && c.default_value) {
          const Table* nt = plan.to.table(t.schema, t.name);
          const Column* nc = nt ? nt->column(c.name) : nullptr;
          if (nc && !(nc->type.schema == prev.schema && nc->type.name == prev.name && nc->default_value)) nc = nullptr;
          defaults.push_back({&t, &c, nc});
        }
    // Two names Prisma always qualifies when the old side is a database (its walkers carry the
    // schema there): the tables whose defaults are dropped, and the old type.
    auto from_db = [&](const std::string& schema, const std::string& object) {
      return plan.from.source == Source::database ? quoted(schema) + "." + quoted(object) : name(schema, object);
    };
    for (const auto& u : defaults)
      out.push_back(fmt::format("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT", from_db(u.table->schema, u.table->name),
                                quoted(u.column->name)));
    for (const auto& t : plan.to.tables)
      for (const auto& c : t.columns) {
        if (c.type.schema != prev.schema || c.type.name != prev.name) continue;
        // Only tables that exist before the migration have columns to move.
        const Table* old = plan.from.table(t.schema, t.name);
        if (!old || !old->column(c.name)) continue;
        std::string array = c.type.dimensions > 0 ? "[]" : "";
        out.push_back(fmt::format("ALTER TABLE {} ALTER COLUMN {} TYPE {}{} USING ({}::text::{}{})",
                                  name(t.schema, t.name), quoted(c.name), tmp, array, quoted(c.name), tmp, array));
      }
    out.push_back(fmt::format("ALTER TYPE {} RENAME TO {}", enum_name, quoted(prev.name + "_old")));
    out.push_back(fmt::format("ALTER TYPE {} RENAME TO {}", tmp, quoted(prev.name)));
    out.push_back(fmt::format("DROP TYPE {}", from_db(prev.schema, prev.name + "_old")));
    for (const auto& u : defaults)
      if (u.next && !u.next->default_value->expression.empty())
        out.push_back(fmt::format("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}", name(u.table->schema, u.table->name),
                                  quoted(u.column->name), u.next->default_value->expression));
    out.push_back("COMMIT");
    return out;
  }

  std::vector<std::string> alter_table(const Step& s) const;

  std::vector<std::string> other(const Step& s, bool create) const {
    const auto& list = create ? plan.to.others : plan.from.others;
    auto it = std::find_if(list.begin(), list.end(), [&](const Opaque& o) {
      return o.kind == s.name && o.schema == s.schema && o.name == s.table;
    });
    if (it == list.end()) return {};
    if (create) {
      std::string text = fmt::format("{}", fmt::join(it->lines, "\n"));
      while (!text.empty() && (text.back() == ';' || text.back() == '\n')) text.pop_back();
      return {text};
    }
    std::string kind = it->kind;
    for (auto& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {fmt::format("DROP {} {}", kind, qualified(*it))};
  }

  std::vector<std::string> sequence(const Step& s, bool create) const {
    if (!create) return {fmt::format("DROP SEQUENCE {}", name(s.schema, s.table))};
    const auto& list = plan.to.sequences;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const Sequence& q) { return q.schema == s.schema && q.name == s.table; });
    std::vector<std::string> out{
        fmt::format("CREATE SEQUENCE {} AS {} START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {}{}",
                    name(s.schema, s.table), it->type, it->start, it->increment, it->min, it->max, it->cache,
                    it->cycle ? " CYCLE" : "")};
    if (!it->owned_by.empty())
      out.push_back(fmt::format("ALTER SEQUENCE {} OWNED BY {}", name(s.schema, s.table), it->owned_by));
    return out;
  }

  std::vector<std::string> step(const Step& s) const {
    switch (s.kind) {
      case Step::Kind::create_schema: return {"CREATE SCHEMA IF NOT EXISTS " + quoted(s.schema)};
      case Step::Kind::create_extension: {
        const auto& e = *std::find_if(plan.to.extensions.begin(), plan.to.extensions.end(),
                                      [&](const Extension& x) { return x.name == s.table; });
        std::string out = "CREATE EXTENSION IF NOT EXISTS " + quoted(e.name);
        if (!e.schema.empty() || !e.version.empty()) out += " WITH";
        if (!e.schema.empty()) out += " SCHEMA " + quoted(e.schema);
        if (!e.version.empty()) out += " VERSION " + quoted(e.version);
        return {out};
      }
      case Step::Kind::drop_extension: return {"DROP EXTENSION " + quoted(s.table)};
      case Step::Kind::alter_extension: {
        const auto& e = *std::find_if(plan.to.extensions.begin(), plan.to.extensions.end(),
                                      [&](const Extension& x) { return x.name == s.table; });
        std::vector<std::string> out;
        for (const auto& what : s.added_values)
          out.push_back(what == "version"
                            ? fmt::format("ALTER EXTENSION {} UPDATE TO {}", quoted(e.name), quoted(e.version))
                            : fmt::format("ALTER EXTENSION {} SET SCHEMA {}", quoted(e.name), quoted(e.schema)));
        return out;
      }
      case Step::Kind::create_enum: {
        const Enum& e = *plan.to.enumeration(s.schema, s.table);
        std::vector<std::string> values;
        for (const auto& v : e.values) values.push_back(detail::sql_literal(v));
        return {fmt::format("CREATE TYPE {} AS ENUM ({})", name(e.schema, e.name), fmt::join(values, ", "))};
      }
      case Step::Kind::alter_enum: return alter_enum(s);
      case Step::Kind::drop_enum: return {"DROP TYPE " + name(s.schema, s.table)};
      case Step::Kind::create_table: return {create_table(to_table(s))};
      case Step::Kind::drop_table: return {"DROP TABLE " + name(s.schema, s.table)};
      case Step::Kind::alter_table: return alter_table(s);
      case Step::Kind::create_index: {
        const Table& t = to_table(s);
        return create_index(t, index_named(t, s.name));
      }
      case Step::Kind::drop_index:
        if (s.unique_constraint)
          return {fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", name(s.schema, s.table), quoted(s.name))};
        return {"DROP INDEX " + name(s.schema, s.name)};
      case Step::Kind::rename_index:
        return {fmt::format("ALTER INDEX {} RENAME TO {}", name(s.schema, s.name), quoted(s.new_name))};
      case Step::Kind::add_foreign_key: {
        const Table& t = to_table(s);
        return {add_foreign_key(t, fk_named(t, s.name))};
      }
      case Step::Kind::drop_foreign_key:
        return {fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", name(s.schema, s.table), quoted(s.name))};
      case Step::Kind::rename_foreign_key:
        return {fmt::format("ALTER TABLE {} RENAME CONSTRAINT {} TO {}", name(s.schema, s.table), quoted(s.name),
                            quoted(s.new_name))};
      case Step::Kind::drop_dependent:
      case Step::Kind::drop_routine: return other(s, false);
      case Step::Kind::create_dependent:
      case Step::Kind::create_routine: return other(s, true);
      case Step::Kind::create_sequence: return sequence(s, true);
      case Step::Kind::drop_sequence: return sequence(s, false);
    }
    return {};
  }
};

std::vector<std::string> Renderer::alter_table(const Step& s) const {
  const Table& prev = from_table(s);
  const Table& next = *plan.to.table(s.schema, s.table);
  std::string table = name(prev.schema, prev.name);
  std::vector<std::string> before, lines, after;
  for (const auto& change : s.changes) {
    switch (change.kind) {
      case TableChange::Kind::drop_primary_key:
        lines.push_back("DROP CONSTRAINT " + quoted(prev.primary_key()->name));
        break;
      case TableChange::Kind::rename_primary_key:
        lines.push_back(fmt::format("RENAME CONSTRAINT {} TO {}", quoted(prev.primary_key()->name),
                                    quoted(next.primary_key()->name)));
        break;
      case TableChange::Kind::add_primary_key: {
        std::vector<std::string> keys;
        for (const auto& k : next.primary_key()->keys) keys.push_back(quoted(k.column));
        lines.push_back(
            fmt::format("ADD CONSTRAINT {} PRIMARY KEY ({})", quoted(next.primary_key()->name), fmt::join(keys, ", ")));
        break;
      }
      case TableChange::Kind::add_column:
        lines.push_back("ADD COLUMN " + column(plan.to, next, *next.column(change.column)));
        break;
      case TableChange::Kind::drop_column: lines.push_back("DROP COLUMN " + quoted(change.column)); break;
      case TableChange::Kind::recreate_column:
        lines.push_back("DROP COLUMN " + quoted(change.column));
        lines.push_back("ADD COLUMN " + column(plan.to, next, *next.column(change.column)));
        break;
      case TableChange::Kind::drop_check: lines.push_back("DROP CONSTRAINT " + quoted(change.column)); break;
      case TableChange::Kind::add_check: {
        auto it = std::find_if(next.checks.begin(), next.checks.end(),
                               [&](const Check& c) { return c.name == change.column; });
        lines.push_back(fmt::format("ADD CONSTRAINT {} {}", quoted(it->name), it->definition));
        break;
      }
      case TableChange::Kind::alter_column: {
        const Column& a = *prev.column(change.column);
        const Column& b = *next.column(change.column);
        const auto& ch = change.changes;
        std::string prefix = "ALTER COLUMN " + quoted(a.name);
        bool set_type = ch.type;
        // In Prisma's order: arity, default, (type), autoincrement; SET DATA TYPE last.
        if (ch.arity) {
          auto pa = detail::arity(a), pb = detail::arity(b);
          if (pb == detail::Arity::nullable)
            lines.push_back(prefix + " DROP NOT NULL");
          else if (pb == detail::Arity::required)
            lines.push_back(prefix + " SET NOT NULL");
          if (pa == detail::Arity::list || pb == detail::Arity::list) set_type = true;
        }
        if (ch.default_value) {
          if (b.default_value && !b.default_value->expression.empty() && !detail::is_autoincrement(b))
            lines.push_back(prefix + " SET DEFAULT " + b.default_value->expression);
          else if (!b.default_value)
            lines.push_back(prefix + " DROP DEFAULT");
        }
        if (ch.autoincrement) {
          if (detail::is_autoincrement(a)) {
            lines.push_back(prefix + " DROP DEFAULT");
            if (!a.default_value->value.empty())
              after.push_back("DROP SEQUENCE " + quoted(strip_schema(a.default_value->value)));
          } else {
            // What a SERIAL column would have had.
            std::string sequence = next.name + "_" + b.name + "_seq";
            for (auto& c : sequence) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (next.schema != options.default_schema || options.qualify_all)
              sequence = quoted(next.schema) + "." + sequence;
            before.push_back("CREATE SEQUENCE " + sequence);
            lines.push_back(fmt::format("{} SET DEFAULT nextval({})", prefix, detail::sql_literal(sequence)));
            after.push_back(fmt::format("ALTER SEQUENCE {} OWNED BY {}.{}", sequence, table, quoted(b.name)));
          }
        }
        if (set_type) lines.push_back(prefix + " SET DATA TYPE " + column_type(plan.to, next, b));
        break;
      }
    }
  }
  if (lines.empty()) return {};
  std::vector<std::string> out = std::move(before);
  out.push_back(fmt::format("ALTER TABLE {} {}", table, fmt::join(lines, ",\n")));
  out.insert(out.end(), after.begin(), after.end());
  return out;
}

}  // namespace

std::vector<std::string> render_step(const Plan& plan, const Step& step, const RenderOptions& options) {
  return Renderer{plan, options}.step(step);
}

std::string render_script(const Plan& plan, const RenderOptions& options) {
  std::string out;
  Renderer r{plan, options};
  for (const auto& s : plan.steps) {
    auto statements = r.step(s);
    if (statements.empty()) continue;
    if (!out.empty()) out += '\n';
    out += fmt::format("-- {}\n", description(s.kind, s.name));
    for (const auto& st : statements) (out += st) += ";\n";
  }
  return out;
}

}  // namespace pgkit::catalog
