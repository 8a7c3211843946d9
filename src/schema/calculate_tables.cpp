// to_catalog, continued: tables, primary keys, unique and plain indexes, foreign keys, and the
// join tables of implicit many-to-many relations, with Prisma's names and defaults.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "schema/calculate_internal.hpp"

namespace pgkit::schema::detail {
namespace {

// Cut to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  while (limit > 0 && (static_cast<unsigned char>(s[limit]) & 0xC0) == 0x80) --limit;
  s.resize(limit);
  return s;
}

std::string index_name_impl(const std::string& table, const std::vector<std::string>& columns,
                            const std::string& suffix) {
  std::string out = fmt::format("{}_{}", table, fmt::join(columns, "_"));
  if (out.size() >= kMaxIdentifier - suffix.size()) out = cut(out, kMaxIdentifier - suffix.size());
  return out + suffix;
}

catalog::Action action(ReferentialAction a) {
  switch (a) {
    case ReferentialAction::Cascade: return catalog::Action::cascade;
    case ReferentialAction::Restrict: return catalog::Action::restrict;
    case ReferentialAction::NoAction: return catalog::Action::no_action;
    case ReferentialAction::SetNull: return catalog::Action::set_null;
    case ReferentialAction::SetDefault: return catalog::Action::set_default;
  }
  return catalog::Action::no_action;
}

// Prisma's operator class names → PostgreSQL's: JsonbPathOps → jsonb_path_ops,
// Int4MinMaxMultiOps → int4_minmax_multi_ops; and whether it is the default class for its type
// and method (Prisma writes it out, the database reports none).
struct Opclass {
  std::string name;
  bool is_default = false;
};

Opclass opclass_sql(const IndexField& f, const std::string& method) {
  if (f.ops.empty()) return {};
  if (f.ops_raw) return {f.ops, false};
  std::string out;
  for (std::size_t i = 0; i < f.ops.size(); ++i) {
    char c = f.ops[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto replace = [&](const std::string& from, const std::string& to) {
    for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
      out.replace(at, from.size(), to);
  };
  replace("min_max", "minmax");
  replace("timestamp_tz", "timestamptz");
  replace("var_bit", "varbit");
  static const char* kDefaults[] = {"jsonb_ops", "array_ops", "text_ops", "inet_inclusion_ops"};
  bool is_default = std::find(std::begin(kDefaults), std::end(kDefaults), out) != std::end(kDefaults) ||
                    (out == "inet_ops" && method == "spgist") || (out.ends_with("_minmax_ops") && method == "brin");
  return {out, is_default};
}

// A partial index's `where: { active: true, deletedAt: null, role: { not: "GUEST" } }` as SQL,
// Prisma's way: `"active" = true AND "deletedAt" IS NULL AND "role" <> 'GUEST'` (columns by their
// database names). Anything else in the object is written as it stands.
std::string object_predicate(const Model& model, std::string_view text) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
    return v;
  };
  text = trim(text);
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') text = trim(text.substr(1, text.size() - 2));
  // Split at top-level commas (not inside braces or strings).
  std::vector<std::string_view> parts;
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"')
      in_string = true;
    else if (c == '{')
      ++depth;
    else if (c == '}')
      --depth;
    else if (c == ',' && depth == 0) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (start < text.size()) parts.push_back(trim(text.substr(start)));
  auto value_sql = [](std::string_view v) -> std::string {
    if (!v.empty() && v.front() == '"') {
      std::string inner(v.substr(1, v.size() >= 2 ? v.size() - 2 : 0));
      std::string out = "'";
      for (char c : inner) out += c == '\'' ? std::string("''") : std::string(1, c);
      return out + "'";
    }
    return std::string(v);
  };
  std::vector<std::string> conditions;
  for (auto part : parts) {
    auto colon = part.find(':');
    if (colon == std::string_view::npos) continue;
    std::string field(trim(part.substr(0, colon)));
    std::string_view value = trim(part.substr(colon + 1));
    const Field* f = model.field(field);
    std::string column = fmt::format("\"{}\"", f ? f->db_name : field);
    if (value == "null") {
      conditions.push_back(column + " IS NULL");
    } else if (!value.empty() && value.front() == '{') {
      std::string_view inner = trim(value.substr(1, value.size() - 2));
      auto c = inner.find(':');
      std::string_view op = c == std::string_view::npos ? "" : trim(inner.substr(0, c));
      std::string_view operand = c == std::string_view::npos ? "" : trim(inner.substr(c + 1));
      if (op == "not" && operand == "null")
        conditions.push_back(column + " IS NOT NULL");
      else if (op == "not")
        conditions.push_back(column + " <> " + value_sql(operand));
      else
        conditions.push_back(column + " " + std::string(inner));
    } else {
      conditions.push_back(column + " = " + value_sql(value));
    }
  }
  return fmt::format("{}", fmt::join(conditions, " AND "));
}

std::string method_of(const IndexDef& def) {
  std::string t = def.type.empty() ? "btree" : def.type;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

catalog::Index index_for(const Model& model, const IndexDef& def, const std::string& table) {
  catalog::Index idx;
  idx.method = method_of(def);
  std::vector<std::string> columns;
  for (const auto& f : def.fields) {
    const Field* field = model.field(f.field);
    catalog::IndexKey key;
    key.column = field ? field->db_name : f.field;
    key.descending = f.descending;
    key.explicit_order = f.sort_given && !f.descending;
    auto opclass = opclass_sql(f, idx.method);
    key.opclass = opclass.name;
    key.default_opclass = opclass.is_default;
    columns.push_back(key.column);
    idx.keys.push_back(std::move(key));
  }
  if (!def.predicate.empty())
    idx.predicate = def.predicate_object ? object_predicate(model, def.predicate) : def.predicate;
  switch (def.kind) {
    case IndexDef::Kind::id:
      idx.kind = catalog::Index::Kind::primary_key;
      idx.name = def.map.empty() ? primary_key_name(table) : def.map;
      break;
    case IndexDef::Kind::unique:
      idx.kind = catalog::Index::Kind::unique;
      idx.name = def.map.empty() ? index_name(table, columns, true) : def.map;
      break;
    case IndexDef::Kind::index:
      idx.kind = catalog::Index::Kind::plain;
      idx.name = def.map.empty() ? index_name(table, columns, false) : def.map;
      break;
  }
  return idx;
}

// The id field of a model in a many-to-many relation (Prisma requires a single-field id).
const Field* single_id(const Model& m) {
  if (!m.primary_key || m.primary_key->fields.empty()) return nullptr;
  return m.field(m.primary_key->fields.front().field);
}

}  // namespace

std::string primary_key_name(const std::string& table) {
  return (table.size() >= kMaxIdentifier - 5 ? cut(table, kMaxIdentifier - 5) : table) + "_pkey";
}

std::string index_name(const std::string& table, const std::vector<std::string>& columns, bool unique) {
  return index_name_impl(table, columns, unique ? "_key" : "_idx");
}

std::string foreign_key_name(const std::string& table, const std::vector<std::string>& columns) {
  std::string joined = fmt::format("{}_{}", table, fmt::join(columns, "_"));
  if (joined.size() >= kMaxIdentifier - 5) joined = cut(joined, kMaxIdentifier - 5);
  return joined + "_fkey";
}

catalog::Catalog calculate(const Schema& schema, const std::string& default_schema) {
  catalog::Catalog out;
  out.source = catalog::Source::prisma_schema;
  for (const auto& s : schema.datasource.schemas) out.schemas.push_back(s);
  if (std::find(out.schemas.begin(), out.schemas.end(), default_schema) == out.schemas.end())
    out.schemas.push_back(default_schema);
  std::sort(out.schemas.begin(), out.schemas.end());  // Prisma creates them in name order
  for (const auto& e : schema.datasource.extensions)
    out.extensions.push_back(
        {.name = e.db_name.empty() ? e.name : e.db_name, .schema = e.schema, .version = e.version});

  auto schema_of = [&](const std::string& s) { return s.empty() ? default_schema : s; };
  for (const auto& e : schema.enums) {
    catalog::Enum en{.schema = schema_of(e.schema), .name = e.db_name, .values = {}};
    for (const auto& v : e.values) en.values.push_back(v.db_name);
    out.enums.push_back(std::move(en));
  }

  std::map<std::string, std::size_t> table_of_model;
  for (const auto& m : schema.models) {
    if (m.view) continue;  // views are the database's business: Prisma Migrate skips them
    catalog::Table t{.schema = schema_of(m.schema), .name = m.db_name};
    for (const auto& f : m.fields)
      if (!f.is_relation()) t.columns.push_back(column_for(schema, f, default_schema));
    if (m.primary_key) t.indexes.push_back(index_for(m, *m.primary_key, t.name));
    // In the order Prisma's parser collects them (and so creates them): field-level @unique,
    // then every @@index, then every @@unique, each group in schema order.
    auto group = [](const IndexDef& def) {
      return def.field_attribute ? 0 : def.kind == IndexDef::Kind::index ? 1 : 2;
    };
    for (int g : {0, 1, 2})
      for (const auto& def : m.indexes)
        if (group(def) == g) t.indexes.push_back(index_for(m, def, t.name));
    table_of_model[m.name] = out.tables.size();
    out.tables.push_back(std::move(t));
  }

  bool foreign_keys = !schema.datasource.relation_mode_prisma;
  for (const auto& r : schema.relations) {
    auto a = table_of_model.find(r.referencing_model), b = table_of_model.find(r.referenced_model);
    if (a == table_of_model.end() || b == table_of_model.end()) continue;  // a view on one side
    const Model& referencing = *schema.model(r.referencing_model);
    const Model& referenced = *schema.model(r.referenced_model);
    if (r.kind == Relation::Kind::many_to_many) {
      const Field* id_a = single_id(referencing);
      const Field* id_b = single_id(referenced);
      if (!id_a || !id_b) continue;
      std::string name = cut(r.join_table, kMaxIdentifier);
      const auto& ta = out.tables[a->second];
      const auto& tb = out.tables[b->second];
      catalog::Table join{.schema = ta.schema, .name = name};
      for (auto [column, table, id] : {std::tuple{"A", &ta, id_a}, std::tuple{"B", &tb, id_b}}) {
        catalog::Column c;
        c.name = column;
        c.type = table->column(id->db_name)->type;
        c.not_null = true;
        join.columns.push_back(std::move(c));
      }
      catalog::Index pk{.name = cut(name, kMaxIdentifier - 8) + "_AB_pkey", .kind = catalog::Index::Kind::primary_key};
      pk.keys = {{.column = "A"}, {.column = "B"}};
      catalog::Index by_b{.name = cut(name, kMaxIdentifier - 8) + "_B_index", .kind = catalog::Index::Kind::plain};
      by_b.keys = {{.column = "B"}};
      join.indexes = {std::move(pk), std::move(by_b)};
      if (foreign_keys) {
        // Prisma cuts at 56 bytes, with `>` for A and `>=` for B; the names must match its own.
        constexpr std::size_t kCut = kMaxIdentifier - 7;
        for (auto [column, table, id] : {std::tuple{"A", &ta, id_a}, std::tuple{"B", &tb, id_b}}) {
          bool long_name = column[0] == 'A' ? name.size() > kCut : name.size() >= kCut;
          std::string prefix = long_name ? name.substr(0, kCut) : name;
          join.foreign_keys.push_back({.name = prefix + "_" + column + "_fkey",
                                       .columns = {column},
                                       .referenced_schema = table->schema,
                                       .referenced_table = table->name,
                                       .referenced_columns = {id->db_name},
                                       .on_delete = catalog::Action::cascade,
                                       .on_update = catalog::Action::cascade});
        }
      }
      out.tables.push_back(std::move(join));
      continue;
    }
    if (!foreign_keys) continue;
    const Field* rf = referencing.field(r.referencing_field);
    if (!rf || rf->relation_fields.empty()) continue;
    auto& table = out.tables[a->second];
    const auto& target = out.tables[b->second];
    catalog::ForeignKey fk;
    bool any_required = false;
    for (const auto& name : rf->relation_fields) {
      const Field* f = referencing.field(name);
      fk.columns.push_back(f ? f->db_name : name);
      any_required = any_required || (f && f->arity == Arity::required);
    }
    for (const auto& name : rf->relation_references) {
      const Field* f = referenced.field(name);
      fk.referenced_columns.push_back(f ? f->db_name : name);
    }
    fk.name = rf->relation_map.empty() ? foreign_key_name(table.name, fk.columns) : rf->relation_map;
    fk.referenced_schema = target.schema;
    fk.referenced_table = target.name;
    // Prisma's defaults: a required relation restricts deletes, an optional one sets NULL.
    fk.on_delete =
        rf->on_delete ? action(*rf->on_delete) : (any_required ? catalog::Action::restrict : catalog::Action::set_null);
    fk.on_update = rf->on_update ? action(*rf->on_update) : catalog::Action::cascade;
    table.foreign_keys.push_back(std::move(fk));
  }
  return out;
}

}  // namespace pgkit::schema::detail
