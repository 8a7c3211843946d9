// diff_schema: what differs between two snapshots, one line per difference — both read back
// into catalogs and compared by the one differ (catalog_diff.hpp), its steps said as `migrate
// verify` says them: the expected side is the snapshot, the actual side the database.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/migrate.hpp"

namespace pgkit::migrate {
namespace {

using catalog::Step;
using catalog::TableChange;

std::string object(const std::string& schema, const std::string& name) { return catalog::qualified(schema, name); }

// A column as the snapshot writes it, without its name: "text NOT NULL DEFAULT 'x'::text".
std::string column_text(const catalog::Column& c) {
  std::string out = c.type.sql;
  if (!c.collation.empty()) out += " COLLATE " + c.collation;
  if (c.default_value) out += " DEFAULT " + c.default_value->expression;
  if (!c.generated.empty()) out += fmt::format(" GENERATED ALWAYS AS ({}) STORED", c.generated);
  if (c.identity) out += fmt::format(" GENERATED {} AS IDENTITY", c.identity->always ? "ALWAYS" : "BY DEFAULT");
  if (c.not_null) out += " NOT NULL";
  return out;
}

std::string keys(const catalog::Index& i) {
  std::vector<std::string> out;
  for (const auto& k : i.keys) out.push_back(k.column.empty() ? k.expression : catalog::quote_ident(k.column));
  return fmt::format("{}", fmt::join(out, ", "));
}

const catalog::Index* index_named(const catalog::Table* t, const std::string& name) {
  if (!t) return nullptr;
  auto it = std::find_if(t->indexes.begin(), t->indexes.end(), [&](const catalog::Index& i) { return i.name == name; });
  return it == t->indexes.end() ? nullptr : &*it;
}

void table_changes(const catalog::Plan& plan, const Step& s, std::vector<std::string>& out) {
  const catalog::Table& before = *plan.from.table(s.schema, s.table);
  const catalog::Table& after = *plan.to.table(s.schema, s.table);
  std::string label = "table " + object(s.schema, s.table);
  for (const auto& c : s.changes) {
    std::string column = fmt::format("\"{}\"", c.column);
    switch (c.kind) {
      case TableChange::Kind::add_column:
        out.push_back(fmt::format("{}: column {} only in the database", label, column));
        break;
      case TableChange::Kind::drop_column:
        out.push_back(fmt::format("{}: column {} missing from the database", label, column));
        break;
      case TableChange::Kind::alter_column:
      case TableChange::Kind::recreate_column:
        out.push_back(fmt::format("{}: column {} differs (expected: {}; actual: {})", label, column,
                                  column_text(*before.column(c.column)), column_text(*after.column(c.column))));
        break;
      case TableChange::Kind::drop_primary_key:
        if (after.primary_key())
          out.push_back(fmt::format("{}: primary key differs (expected: ({}); actual: ({}))", label,
                                    keys(*before.primary_key()), keys(*after.primary_key())));
        else
          out.push_back(fmt::format("{}: primary key missing from the database", label));
        break;
      case TableChange::Kind::add_primary_key:
        if (!before.primary_key()) out.push_back(fmt::format("{}: primary key only in the database", label));
        break;
      case TableChange::Kind::rename_primary_key:
        out.push_back(fmt::format("{}: primary key \"{}\" is named \"{}\" in the database", label,
                                  before.primary_key()->name, after.primary_key()->name));
        break;
      case TableChange::Kind::drop_check:
        out.push_back(fmt::format("{}: constraint {} missing from the database", label, column));
        break;
      case TableChange::Kind::add_check:
        out.push_back(fmt::format("{}: constraint {} only in the database", label, column));
        break;
    }
  }
}

const catalog::ForeignKey* foreign_key(const catalog::Catalog& c, const Step& s) {
  const catalog::Table* t = c.table(s.schema, s.table);
  for (const auto& fk : t->foreign_keys)
    if (fk.name == s.name) return &fk;
  return nullptr;
}

// "function public.f(integer)", "trigger users_touch ON public.users".
std::string other_label(const catalog::Plan& plan, const Step& s, bool from_side) {
  const auto& list = from_side ? plan.from.others : plan.to.others;
  for (const auto& o : list)
    if (o.kind == s.name && o.schema == s.schema && o.name == s.table) return o.kind + " " + catalog::qualified(o);
  return s.name + " " + s.table;
}

// A changed function, view or trigger is a drop and a create: said once, as "differs".
bool recreated(const catalog::Plan& plan, const Step& s, Step::Kind other) {
  return std::any_of(plan.steps.begin(), plan.steps.end(), [&](const Step& o) {
    return o.kind == other && o.schema == s.schema && o.table == s.table && o.name == s.name;
  });
}

}  // namespace

std::vector<std::string> diff_schema(const std::string& expected, const std::string& actual) {
  auto plan = catalog::diff(catalog::read_snapshot(expected), catalog::read_snapshot(actual));
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    std::string name = object(s.schema, s.table);
    switch (s.kind) {
      case Step::Kind::create_schema: out.push_back(fmt::format("schema {}: only in the database", s.schema)); break;
      case Step::Kind::create_extension:
        out.push_back(fmt::format("extension {}: only in the database", s.table));
        break;
      case Step::Kind::drop_extension:
        out.push_back(fmt::format("extension {}: missing from the database", s.table));
        break;
      case Step::Kind::alter_extension: out.push_back(fmt::format("extension {}: differs", s.table)); break;
      case Step::Kind::create_enum: out.push_back(fmt::format("enum {}: only in the database", name)); break;
      case Step::Kind::drop_enum: out.push_back(fmt::format("enum {}: missing from the database", name)); break;
      case Step::Kind::alter_enum:
        out.push_back(fmt::format("enum {}: values differ (expected: {}; actual: {})", name,
                                  fmt::join(plan.from.enumeration(s.schema, s.table)->values, ", "),
                                  fmt::join(plan.to.enumeration(s.schema, s.table)->values, ", ")));
        break;
      case Step::Kind::create_table: out.push_back(fmt::format("table {}: only in the database", name)); break;
      case Step::Kind::drop_table: out.push_back(fmt::format("table {}: missing from the database", name)); break;
      case Step::Kind::alter_table: table_changes(plan, s, out); break;
      case Step::Kind::create_index:
        if (s.recreated || recreated(plan, s, Step::Kind::drop_index)) break;
        out.push_back(s.unique_constraint
                          ? fmt::format("table {}: constraint \"{}\" only in the database", name, s.name)
                          : fmt::format("index {}: only in the database", object(s.schema, s.name)));
        break;
      case Step::Kind::drop_index: {
        std::string what = s.unique_constraint ? fmt::format("table {}: constraint \"{}\"", name, s.name)
                                               : fmt::format("index {}", object(s.schema, s.name));
        if (s.unique_constraint)
          what += " ";
        else
          what += ": ";
        if (recreated(plan, s, Step::Kind::create_index))
          out.push_back(fmt::format("{}differs (expected: {}; actual: {})", what,
                                    index_named(plan.from.table(s.schema, s.table), s.name)->definition,
                                    index_named(plan.to.table(s.schema, s.table), s.name)->definition));
        else
          out.push_back(what + "missing from the database");
        break;
      }
      case Step::Kind::rename_index:
        out.push_back(fmt::format("index {}: named {} in the database", object(s.schema, s.name),
                                  catalog::quote_ident(s.new_name)));
        break;
      case Step::Kind::add_foreign_key:
        if (!recreated(plan, s, Step::Kind::drop_foreign_key))
          out.push_back(fmt::format("table {}: constraint \"{}\" only in the database", name, s.name));
        break;
      case Step::Kind::drop_foreign_key:
        if (!plan.to.table(s.schema, s.table)) break;  // the table is missing as a whole
        if (recreated(plan, s, Step::Kind::add_foreign_key))
          out.push_back(fmt::format("table {}: constraint \"{}\" differs (expected: {}; actual: {})", name, s.name,
                                    foreign_key(plan.from, s)->definition, foreign_key(plan.to, s)->definition));
        else
          out.push_back(fmt::format("table {}: constraint \"{}\" missing from the database", name, s.name));
        break;
      case Step::Kind::rename_foreign_key:
        out.push_back(
            fmt::format("table {}: constraint \"{}\" is named \"{}\" in the database", name, s.name, s.new_name));
        break;
      case Step::Kind::drop_dependent:
      case Step::Kind::drop_routine:
        if (recreated(plan, s,
                      s.kind == Step::Kind::drop_dependent ? Step::Kind::create_dependent : Step::Kind::create_routine))
          out.push_back(fmt::format("{}: differs", other_label(plan, s, true)));
        else
          out.push_back(fmt::format("{}: missing from the database", other_label(plan, s, true)));
        break;
      case Step::Kind::create_dependent:
      case Step::Kind::create_routine:
        if (!recreated(plan, s,
                       s.kind == Step::Kind::create_dependent ? Step::Kind::drop_dependent : Step::Kind::drop_routine))
          out.push_back(fmt::format("{}: only in the database", other_label(plan, s, false)));
        break;
      case Step::Kind::drop_sequence:
        out.push_back(recreated(plan, s, Step::Kind::create_sequence)
                          ? fmt::format("sequence {}: differs", name)
                          : fmt::format("sequence {}: missing from the database", name));
        break;
      case Step::Kind::create_sequence:
        if (!recreated(plan, s, Step::Kind::drop_sequence))
          out.push_back(fmt::format("sequence {}: only in the database", name));
        break;
    }
  }
  return out;
}

}  // namespace pgkit::migrate
