// introspect(): a database written as a schema.prisma by Prisma's introspection rules
// (schema-engine's sql-schema-connector, introspection/). This file reads the catalog as
// Prisma's describer reads a database (which tables, indexes and foreign keys it sees, in which
// order), matches it with the previous schema, and names every model, field and enum
// (sanitize_datamodel_names.rs, introspection_map.rs); introspect_file.cpp writes the file.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "json_string.hpp"
#include "schema/introspect_internal.hpp"

namespace pgkit::schema {
namespace detail::introspection {
namespace {

bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool word_char(char c) { return ascii_letter(c) || (c >= '0' && c <= '9') || c == '_'; }

// The byte length of the UTF-8 sequence starting with c (1 for a stray continuation byte).
std::size_t sequence_length(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

// Prisma's migration tables (introspection_helpers.rs): never models.
bool has_columns(const catalog::Table& t, std::initializer_list<std::string_view> names) {
  return std::all_of(names.begin(), names.end(), [&](std::string_view n) { return t.column(std::string(n)); });
}

bool is_migration_table(const catalog::Table& t) {
  if (t.name == "_prisma_migrations")
    return has_columns(t, {"id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at",
                           "applied_steps_count"});
  if (t.name == "_Migration")
    return has_columns(t, {"revision", "name", "datamodel", "status", "applied", "rolled_back", "datamodel_steps",
                           "database_migration", "errors", "started_at", "finished_at"});
  if (t.name == "_RelayId")
    return t.column("id") && std::any_of(t.columns.begin(), t.columns.end(), [](const catalog::Column& c) {
             std::string lower = c.name;
             std::transform(lower.begin(), lower.end(), lower.begin(),
                            [](unsigned char ch) { return std::tolower(ch); });
             return lower == "stablemodelidentifier";
           });
  return false;
}

// What Prisma's describer reads of an index: not one on expressions, not an exclusion
// constraint (indexes_query.sql). Partial indexes are read (written with `where:`).
enum class IndexVisibility { visible, expression, hidden };
IndexVisibility visibility(const catalog::Index& i) {
  if (i.kind == catalog::Index::Kind::exclusion) return IndexVisibility::hidden;
  for (const auto& k : i.keys)
    if (k.column.empty()) return IndexVisibility::expression;
  return IndexVisibility::visible;
}

std::string schema_of(const Model& m, const std::string& fallback) { return m.schema.empty() ? fallback : m.schema; }

// ModelName::new_from_sql: a duplicate gets its schema as a prefix, a reserved name "Renamed",
// anything else is sanitized; each keeps the database name in @@map.
Name model_name_from_sql(const Context& ctx, const std::string& name, const std::string& schema) {
  if (!ctx.name_is_unique(name)) return {.name = sanitize(schema + "_" + name), .mapped = name};
  if (is_reserved_name(name)) return {.name = "Renamed" + name, .mapped = name, .reserved = true};
  if (needs_sanitation(name)) return {.name = sanitize(name), .mapped = name};
  return {.name = name};
}

Name name_from_previous(const std::string& name, const std::string& db_name) {
  return {.name = name, .mapped = db_name != name ? db_name : std::string(), .from_previous = true};
}

// IntrospectedName::new_from_sql: sanitized, with the column's name in @map.
Name field_name_from_sql(const std::string& name) {
  if (needs_sanitation(name)) return {.name = sanitize(name), .mapped = name};
  return {.name = name};
}

void read_tables(Context& ctx, const catalog::Catalog& db, const std::vector<std::string>& schemas) {
  std::vector<const catalog::Table*> tables;
  for (const auto& t : db.tables) {
    if (std::find(schemas.begin(), schemas.end(), t.schema) == schemas.end()) continue;
    if (!t.attach.empty() || is_migration_table(t)) continue;  // a partition is its parent's
    tables.push_back(&t);
  }
  std::sort(tables.begin(), tables.end(), [](const catalog::Table* a, const catalog::Table* b) {
    return std::tie(a->schema, a->name) < std::tie(b->schema, b->name);
  });
  for (const auto* t : tables) ctx.tables.push_back({.sql = t});

  for (auto& t : ctx.tables) {
    for (const auto& i : t.sql->indexes) {
      switch (visibility(i)) {
        case IndexVisibility::visible: t.indexes.push_back(&i); break;
        case IndexVisibility::expression: t.expression_indexes.push_back(i.name); break;
        case IndexVisibility::hidden: break;
      }
    }
    std::sort(t.indexes.begin(), t.indexes.end(), [](const catalog::Index* a, const catalog::Index* b) {
      bool pa = a->kind == catalog::Index::Kind::primary_key, pb = b->kind == catalog::Index::Kind::primary_key;
      return std::tie(pb, a->name) < std::tie(pa, b->name);
    });
    std::sort(t.expression_indexes.begin(), t.expression_indexes.end());
    std::vector<const catalog::ForeignKey*> fks;
    for (const auto& fk : t.sql->foreign_keys) fks.push_back(&fk);
    std::sort(fks.begin(), fks.end(), [](auto* a, auto* b) { return a->name < b->name; });
    for (const auto* fk : fks) {
      const Table* target = ctx.table_of(*fk);
      if (!target) continue;  // a table not read (another schema): Prisma refuses, pgkit leaves it out
      ForeignKey key{.sql = fk, .target = static_cast<std::size_t>(target - ctx.tables.data())};
      // collect_duplicated_fks: the same columns referencing the same columns as an earlier key.
      key.duplicate = std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const ForeignKey& e) {
        return e.sql->columns == fk->columns && e.target == key.target &&
               e.sql->referenced_columns == fk->referenced_columns;
      });
      t.foreign_keys.push_back(key);
    }
  }
  // Partitioned tables with partitions and tables inherited from (is_partition, has_subclass).
  for (const auto& child : db.tables) {
    for (auto& t : ctx.tables) {
      std::string qualified = catalog::qualified(t.sql->schema, t.sql->name);
      if (!child.attach.empty() && child.attach.find(fmt::format("ONLY {} ATTACH", qualified)) != std::string::npos)
        t.partitioned = true;
      auto inherits = child.create_suffix.find(" INHERITS (");
      if (inherits != std::string::npos && child.create_suffix.find(qualified, inherits) != std::string::npos)
        t.has_subclass = true;
    }
  }
}

void match_previous(Context& ctx, const std::string& default_schema) {
  if (!ctx.previous) return;
  for (auto& t : ctx.tables) {
    for (const auto& m : ctx.previous->models) {
      if (m.view || m.db_name != t.sql->name) continue;
      if (ctx.uses_namespaces && schema_of(m, default_schema) != t.sql->schema) continue;
      t.previous = &m;
      break;
    }
  }
  for (auto& e : ctx.enums) {
    for (const auto& p : ctx.previous->enums) {
      if (p.db_name != e.sql->name) continue;
      if (ctx.uses_namespaces && (p.schema.empty() ? default_schema : p.schema) != e.sql->schema) continue;
      e.previous = &p;
      break;
    }
  }
}

void name_everything(Context& ctx) {
  for (const auto& t : ctx.tables) {
    if (t.join) continue;
    ++ctx.top_level_names[t.previous ? t.previous->name : sanitize(t.sql->name)];
  }
  for (const auto& e : ctx.enums) ++ctx.top_level_names[e.previous ? e.previous->name : sanitize(e.sql->name)];

  for (auto& t : ctx.tables) {
    t.name = t.previous ? name_from_previous(t.previous->name, t.previous->db_name)
                        : model_name_from_sql(ctx, t.sql->name, t.sql->schema);
    for (const auto& c : t.sql->columns) {
      const Field* previous = nullptr;
      if (t.previous)
        for (const auto& f : t.previous->fields)
          if (!f.is_relation() && f.db_name == c.name) previous = &f;
      t.previous_fields.push_back(previous);
      t.columns.push_back(previous ? name_from_previous(previous->name, previous->db_name)
                                   : field_name_from_sql(c.name));
    }
  }
  for (auto& e : ctx.enums) {
    e.name = e.previous ? name_from_previous(e.previous->name, e.previous->db_name)
                        : model_name_from_sql(ctx, e.sql->name, e.sql->schema);
    for (const auto& v : e.sql->values) {
      const EnumValue* previous = nullptr;
      if (e.previous)
        for (const auto& p : e.previous->values)
          if (p.db_name == v) previous = &p;
      e.previous_values.push_back(previous);
      if (previous)
        e.values.push_back(name_from_previous(previous->name, previous->db_name));
      else if (v.empty())
        e.values.push_back({.name = "EMPTY_ENUM_VALUE", .mapped = ""});
      else
        e.values.push_back(field_name_from_sql(v));
    }
  }
}

}  // namespace

bool needs_sanitation(std::string_view s) {
  if (s.empty()) return false;
  if (!ascii_letter(s.front())) return true;
  return !std::all_of(s.begin(), s.end(), word_char);
}

std::string sanitize(std::string_view s) {
  if (!needs_sanitation(s)) return std::string(s);
  std::size_t i = 0;
  while (i < s.size() && !ascii_letter(s[i])) i += sequence_length(static_cast<unsigned char>(s[i]));
  std::string out;
  while (i < s.size()) {
    std::size_t n = sequence_length(static_cast<unsigned char>(s[i]));
    out += n == 1 && word_char(s[i]) ? s[i] : '_';
    i += n;
  }
  return out;
}

std::string psl_string(std::string_view s) {
  std::string out;  // psl's string_literal is a JSON string
  pgkit::detail::append_json_string(out, s);
  return out;
}

const catalog::Index* Table::primary_key() const {
  return !indexes.empty() && indexes.front()->kind == catalog::Index::Kind::primary_key ? indexes.front() : nullptr;
}

bool Table::has_usable_identifier(const Context& ctx) const {
  return std::any_of(indexes.begin(), indexes.end(), [&](const catalog::Index* i) {
    if (!i->is_unique()) return false;
    return std::all_of(i->keys.begin(), i->keys.end(), [&](const catalog::IndexKey& k) {
      const catalog::Column* c = sql->column(k.column);
      return c && c->not_null && c->type.dimensions == 0 &&
             column_type(ctx, *c, nullptr).kind != ColumnType::Kind::unsupported;
    });
  });
}

const Table* Context::table_of(const catalog::ForeignKey& fk) const {
  for (const auto& t : tables)
    if (t.sql->name == fk.referenced_table && t.sql->schema == fk.referenced_schema) return &t;
  return nullptr;
}

const Enum* Context::enum_of(const catalog::Type& type) const {
  for (const auto& e : enums)
    if (e.sql->name == type.name && e.sql->schema == type.schema) return &e;
  return nullptr;
}

bool Context::name_is_unique(std::string_view name) const {
  auto it = top_level_names.find(sanitize(name));
  return it == top_level_names.end() || it->second <= 1;
}

void read_database(Context& ctx, const catalog::Catalog& db, const IntrospectOptions& options) {
  ctx.db = &db;
  ctx.options = &options;
  ctx.previous = options.previous;
  std::string default_schema = options.schema.empty() ? "public" : options.schema;
  std::vector<std::string> schemas{default_schema};
  if (ctx.previous) {
    ctx.datasource = ctx.previous->datasource.name;
    ctx.foreign_keys = !ctx.previous->datasource.relation_mode_prisma;
    if (!ctx.previous->datasource.schemas.empty()) {
      ctx.uses_namespaces = true;
      schemas = ctx.previous->datasource.schemas;
      default_schema = schemas.front();
    }
  }
  read_tables(ctx, db, schemas);
  std::vector<const catalog::Enum*> enums;
  for (const auto& e : db.enums)
    if (std::find(schemas.begin(), schemas.end(), e.schema) != schemas.end()) enums.push_back(&e);
  std::sort(enums.begin(), enums.end(),
            [](auto* a, auto* b) { return std::tie(a->schema, a->name) < std::tie(b->schema, b->name); });
  for (const auto* e : enums) ctx.enums.push_back({.sql = e});
  ctx.default_schema = default_schema;
  match_previous(ctx, default_schema);
  for (auto& t : ctx.tables) t.join = is_join_table(t);
  name_everything(ctx);
  name_relations(ctx);
}

}  // namespace detail::introspection
}  // namespace pgkit::schema
