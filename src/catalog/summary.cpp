// summary: a plan as a person reads it — Prisma's drift summary layout, grouped by object:
//   [+] Added tables
//     - Post
//   [*] Changed the `User` table
//     [+] Added column `bio`
#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/diff_internal.hpp"
#include "pgkit/catalog_diff.hpp"

namespace pgkit::catalog {
namespace {

// Section order, as Prisma prints them.
enum class Section {
  altered_extension,
  dropped_extension,
  created_extension,
  added_enum,
  added_table,
  added_other,
  removed_enum,
  removed_table,
  removed_other,
  changed_enum,
  changed_table
};

std::string key_columns(const Index& i) {
  std::vector<std::string> names;
  for (const auto& k : i.keys) names.push_back(k.column.empty() ? k.expression : k.column);
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string default_text(const Column& c) {
  if (!c.default_value) return "none";
  switch (c.default_value->kind) {
    case DefaultKind::now: return "`now()`";
    case DefaultKind::sequence: return "`autoincrement()`";
    default: return fmt::format("`{}`", c.default_value->expression);
  }
}

std::string column_changes_text(const Column& a, const Column& b, const ColumnChanges& ch) {
  std::vector<std::string> parts;
  if (ch.arity)
    parts.push_back(
        fmt::format("changed from {} to {}", detail::to_string(detail::arity(a)), detail::to_string(detail::arity(b))));
  if (ch.default_value) parts.push_back(fmt::format("default changed from {} to {}", default_text(a), default_text(b)));
  if (ch.type) parts.push_back(fmt::format("type changed from `{}` to `{}`", a.type.sql, b.type.sql));
  if (ch.autoincrement)
    parts.push_back(detail::is_autoincrement(a) ? "column is no longer autoincrementing"
                                                : "column became autoincrementing");
  if (ch.definition) parts.push_back("identity, generated expression or collation changed");
  return fmt::format("({})", fmt::join(parts, ", "));
}

std::string qualified_label(const Step& s) {
  return s.schema.empty() || s.schema == "public" ? s.table : s.schema + "." + s.table;
}

}  // namespace

std::string summary(const Plan& plan) {
  if (plan.steps.empty()) return "No difference detected.";
  std::set<std::tuple<Section, std::string, std::size_t>> items;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    std::string label = qualified_label(s);
    switch (s.kind) {
      case Step::Kind::create_schema: break;
      case Step::Kind::alter_extension: items.insert({Section::altered_extension, s.table, i}); break;
      case Step::Kind::drop_extension: items.insert({Section::dropped_extension, "", i}); break;
      case Step::Kind::create_extension: items.insert({Section::created_extension, "", i}); break;
      case Step::Kind::create_enum: items.insert({Section::added_enum, "", i}); break;
      case Step::Kind::alter_enum: items.insert({Section::changed_enum, label, i}); break;
      case Step::Kind::drop_enum: items.insert({Section::removed_enum, "", i}); break;
      case Step::Kind::create_table: items.insert({Section::added_table, "", i}); break;
      case Step::Kind::drop_table: items.insert({Section::removed_table, "", i}); break;
      case Step::Kind::create_dependent:
      case Step::Kind::create_routine:
      case Step::Kind::create_sequence: {
        // A changed object is dropped and created again: report it once, as changed.
        bool also_dropped = std::any_of(plan.steps.begin(), plan.steps.end(), [&](const Step& o) {
          return (o.kind == Step::Kind::drop_dependent || o.kind == Step::Kind::drop_routine ||
                  o.kind == Step::Kind::drop_sequence) &&
                 o.schema == s.schema && o.table == s.table && o.name == s.name;
        });
        items.insert({also_dropped ? Section::changed_table : Section::added_other, also_dropped ? label : "", i});
        break;
      }
      case Step::Kind::drop_dependent:
      case Step::Kind::drop_routine:
      case Step::Kind::drop_sequence: {
        bool also_created = std::any_of(plan.steps.begin(), plan.steps.end(), [&](const Step& o) {
          return (o.kind == Step::Kind::create_dependent || o.kind == Step::Kind::create_routine ||
                  o.kind == Step::Kind::create_sequence) &&
                 o.schema == s.schema && o.table == s.table && o.name == s.name;
        });
        if (!also_created) items.insert({Section::removed_other, "", i});
        break;
      }
      default: items.insert({Section::changed_table, label, i}); break;
    }
  }

  std::string out;
  std::optional<std::pair<Section, std::string>> current;
  for (const auto& [section, item, index] : items) {
    const Step& s = plan.steps[index];
    if (!current || current->first != section || current->second != item) {
      switch (section) {
        case Section::altered_extension: out += fmt::format("\n[*] Changed the `{}` extension\n", item); break;
        case Section::dropped_extension: out += "\n[-] Removed extensions\n"; break;
        case Section::created_extension: out += "\n[+] Added extensions\n"; break;
        case Section::added_enum: out += "\n[+] Added enums\n"; break;
        case Section::added_table: out += "\n[+] Added tables\n"; break;
        case Section::added_other: out += "\n[+] Added views, functions, triggers, types and sequences\n"; break;
        case Section::removed_enum: out += "\n[-] Removed enums\n"; break;
        case Section::removed_table: out += "\n[-] Removed tables\n"; break;
        case Section::removed_other: out += "\n[-] Removed views, functions, triggers, types and sequences\n"; break;
        case Section::changed_enum: out += fmt::format("\n[*] Changed the `{}` enum\n", item); break;
        case Section::changed_table:
          out += s.kind == Step::Kind::create_dependent || s.kind == Step::Kind::create_routine ||
                         s.kind == Step::Kind::create_sequence
                     ? fmt::format("\n[*] Changed the `{}` {}\n", item,
                                   s.kind == Step::Kind::create_sequence ? "sequence" : s.name)
                     : fmt::format("\n[*] Changed the `{}` table\n", item);
          break;
      }
      current = {section, item};
    }
    const Table* prev = plan.from.table(s.schema, s.table);
    const Table* next = plan.to.table(s.schema, s.table);
    switch (s.kind) {
      case Step::Kind::create_extension:
      case Step::Kind::drop_extension:
      case Step::Kind::create_enum:
      case Step::Kind::drop_enum:
      case Step::Kind::create_table:
      case Step::Kind::drop_table: out += fmt::format("  - {}\n", qualified_label(s)); break;
      case Step::Kind::create_dependent:
      case Step::Kind::create_routine:
      case Step::Kind::drop_dependent:
      case Step::Kind::drop_routine:
        if (section != Section::changed_table)
          out += fmt::format("  - {} {}\n", s.name, qualified_label(s));
        else
          out += "  [*] Definition changed\n";
        break;
      case Step::Kind::create_sequence:
      case Step::Kind::drop_sequence:
        if (section != Section::changed_table)
          out += fmt::format("  - sequence {}\n", qualified_label(s));
        else
          out += "  [*] Definition changed\n";
        break;
      case Step::Kind::alter_enum:
        for (const auto& v : s.added_values) out += fmt::format("  [+] Added variant `{}`\n", v);
        for (const auto& v : s.removed_values) out += fmt::format("  [-] Removed variant `{}`\n", v);
        break;
      case Step::Kind::alter_extension:
        out += fmt::format("  [*] {} changed\n", fmt::join(s.added_values, " and "));
        break;
      case Step::Kind::drop_foreign_key: {
        auto& fk = *std::find_if(prev->foreign_keys.begin(), prev->foreign_keys.end(),
                                 [&](const ForeignKey& f) { return f.name == s.name; });
        out += fmt::format("  [-] Removed foreign key on columns ({})\n", fmt::join(fk.columns, ", "));
        break;
      }
      case Step::Kind::add_foreign_key: {
        auto& fk = *std::find_if(next->foreign_keys.begin(), next->foreign_keys.end(),
                                 [&](const ForeignKey& f) { return f.name == s.name; });
        out += fmt::format("  [+] Added foreign key on columns ({})\n", fmt::join(fk.columns, ", "));
        break;
      }
      case Step::Kind::rename_foreign_key:
        out += fmt::format("  [*] Renamed the foreign key \"{}\" to \"{}\"\n", s.name, s.new_name);
        break;
      case Step::Kind::drop_index: {
        auto& i =
            *std::find_if(prev->indexes.begin(), prev->indexes.end(), [&](const Index& x) { return x.name == s.name; });
        out += fmt::format("  [-] Removed {}index on columns ({})\n", i.is_unique() ? "unique " : "", key_columns(i));
        break;
      }
      case Step::Kind::create_index: {
        auto& i =
            *std::find_if(next->indexes.begin(), next->indexes.end(), [&](const Index& x) { return x.name == s.name; });
        out += fmt::format("  [+] Added {}index on columns ({})\n", i.is_unique() ? "unique " : "", key_columns(i));
        break;
      }
      case Step::Kind::rename_index:
        out += fmt::format("  [*] Renamed index `{}` to `{}`\n", s.name, s.new_name);
        break;
      case Step::Kind::alter_table:
        for (const auto& c : s.changes) {
          switch (c.kind) {
            case TableChange::Kind::add_column: out += fmt::format("  [+] Added column `{}`\n", c.column); break;
            case TableChange::Kind::drop_column: out += fmt::format("  [-] Removed column `{}`\n", c.column); break;
            case TableChange::Kind::alter_column:
              out += fmt::format("  [*] Altered column `{}` {}\n", c.column,
                                 column_changes_text(*prev->column(c.column), *next->column(c.column), c.changes));
              break;
            case TableChange::Kind::recreate_column:
              out += fmt::format("  [*] Column `{}` would be dropped and recreated {}\n", c.column,
                                 column_changes_text(*prev->column(c.column), *next->column(c.column), c.changes));
              break;
            case TableChange::Kind::drop_primary_key:
              out += fmt::format("  [-] Dropped the primary key on columns ({})\n", key_columns(*prev->primary_key()));
              break;
            case TableChange::Kind::rename_primary_key:
              out += fmt::format("  [*] Renamed the primary key on columns ({})\n", key_columns(*prev->primary_key()));
              break;
            case TableChange::Kind::add_primary_key:
              out += fmt::format("  [+] Added primary key on columns ({})\n", key_columns(*next->primary_key()));
              break;
            case TableChange::Kind::drop_check:
              out += fmt::format("  [-] Removed check constraint `{}`\n", c.column);
              break;
            case TableChange::Kind::add_check:
              out += fmt::format("  [+] Added check constraint `{}`\n", c.column);
              break;
          }
        }
        break;
      default: break;
    }
  }
  return out;
}

}  // namespace pgkit::catalog
