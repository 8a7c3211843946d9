// introspect(), model and enum blocks (rendering/models.rs, scalar_field.rs, indexes.rs, id.rs,
// enums.rs): scalar fields in column order with @id, @unique, @default, @map and @db; relation
// fields after them; @@id, @@unique and @@index with Prisma's default constraint names left
// out; @@map, @@ignore, @@schema; and the documentation Prisma adds for what needs care.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "schema/calculate_internal.hpp"
#include "schema/introspect_internal.hpp"

namespace pgkit::schema::detail::introspection {
namespace {

constexpr const char* kRenamedReserved =
    "This model has been renamed to '{}' during introspection, because the original name '{}' is reserved.";
constexpr const char* kPartition =
    "This table is a partition table and requires additional setup for migrations. Visit "
    "https://pris.ly/d/partition-tables for more info.";
constexpr const char* kSubclass =
    "This table has subclasses and requires additional setup for migrations. Visit "
    "https://pris.ly/d/table-inheritance for more info.";
constexpr const char* kChecks =
    "This table contains check constraints and requires additional setup for migrations. Visit "
    "https://pris.ly/d/check-constraints for more info.";
constexpr const char* kExclusions =
    "This table contains exclusion constraints and requires additional setup for migrations. Visit "
    "https://pris.ly/d/exclusion-constraints for more info.";
constexpr const char* kNoColumns =
    "We could not retrieve columns for the underlying table. Either it has none or you are missing rights to see "
    "them. Please check your privileges.";
constexpr const char* kNoIdentifier =
    "The underlying table does not contain a valid unique identifier and can therefore currently not be handled by "
    "Prisma Client.";
constexpr const char* kComments =
    "This model or at least one of its fields has comments in the database, and requires an additional setup for "
    "migrations: Read more: https://pris.ly/d/database-comments";
constexpr const char* kDeferring =
    "This model has constraints using non-default deferring rules and requires additional setup for migrations. "
    "Visit https://pris.ly/d/constraint-deferring for more info.";
constexpr const char* kNullOrder =
    "This model contains an index with non-default null sort order and requires additional setup for migrations. "
    "Visit https://pris.ly/d/default-index-null-ordering for more info.";
constexpr const char* kExpressionIndexes =
    "This model contains an expression index which requires additional setup for migrations. Visit "
    "https://pris.ly/d/expression-indexes for more info.";
constexpr const char* kInvalidFieldName =
    "This field was commented out because of an invalid name. Please provide a valid one that matches "
    "[a-zA-Z][a-zA-Z0-9_]*";

// Operator classes Prisma knows by name (SQLOperatorClassKind); others are written raw("…").
constexpr std::pair<std::string_view, std::string_view> kOperatorClasses[] = {
    {"inet_ops", "InetOps"},
    {"jsonb_ops", "JsonbOps"},
    {"jsonb_path_ops", "JsonbPathOps"},
    {"array_ops", "ArrayOps"},
    {"text_ops", "TextOps"},
    {"bit_minmax_ops", "BitMinMaxOps"},
    {"varbit_minmax_ops", "VarBitMinMaxOps"},
    {"bpchar_bloom_ops", "BpcharBloomOps"},
    {"bpchar_minmax_ops", "BpcharMinMaxOps"},
    {"bytea_bloom_ops", "ByteaBloomOps"},
    {"bytea_minmax_ops", "ByteaMinMaxOps"},
    {"date_bloom_ops", "DateBloomOps"},
    {"date_minmax_ops", "DateMinMaxOps"},
    {"date_minmax_multi_ops", "DateMinMaxMultiOps"},
    {"float4_bloom_ops", "Float4BloomOps"},
    {"float4_minmax_ops", "Float4MinMaxOps"},
    {"float4_minmax_multi_ops", "Float4MinMaxMultiOps"},
    {"float8_bloom_ops", "Float8BloomOps"},
    {"float8_minmax_ops", "Float8MinMaxOps"},
    {"float8_minmax_multi_ops", "Float8MinMaxMultiOps"},
    {"inet_inclusion_ops", "InetInclusionOps"},
    {"inet_bloom_ops", "InetBloomOps"},
    {"inet_minmax_ops", "InetMinMaxOps"},
    {"inet_minmax_multi_ops", "InetMinMaxMultiOps"},
    {"int2_bloom_ops", "Int2BloomOps"},
    {"int2_minmax_ops", "Int2MinMaxOps"},
    {"int2_minmax_multi_ops", "Int2MinMaxMultiOps"},
    {"int4_bloom_ops", "Int4BloomOps"},
    {"int4_minmax_ops", "Int4MinMaxOps"},
    {"int4_minmax_multi_ops", "Int4MinMaxMultiOps"},
    {"int8_bloom_ops", "Int8BloomOps"},
    {"int8_minmax_ops", "Int8MinMaxOps"},
    {"int8_minmax_multi_ops", "Int8MinMaxMultiOps"},
    {"numeric_bloom_ops", "NumericBloomOps"},
    {"numeric_minmax_ops", "NumericMinMaxOps"},
    {"numeric_minmax_multi_ops", "NumericMinMaxMultiOps"},
    {"oid_bloom_ops", "OidBloomOps"},
    {"oid_minmax_ops", "OidMinMaxOps"},
    {"oid_minmax_multi_ops", "OidMinMaxMultiOps"},
    {"text_bloom_ops", "TextBloomOps"},
    {"text_minmax_ops", "TextMinMaxOps"},
    {"timestamp_bloom_ops", "TimestampBloomOps"},
    {"timestamp_minmax_ops", "TimestampMinMaxOps"},
    {"timestamp_minmax_multi_ops", "TimestampMinMaxMultiOps"},
    {"timestamptz_bloom_ops", "TimestampTzBloomOps"},
    {"timestamptz_minmax_ops", "TimestampTzMinMaxOps"},
    {"timestamptz_minmax_multi_ops", "TimestampTzMinMaxMultiOps"},
    {"time_bloom_ops", "TimeBloomOps"},
    {"time_minmax_ops", "TimeMinMaxOps"},
    {"time_minmax_multi_ops", "TimeMinMaxMultiOps"},
    {"timetz_bloom_ops", "TimeTzBloomOps"},
    {"timetz_minmax_ops", "TimeTzMinMaxOps"},
    {"timetz_minmax_multi_ops", "TimeTzMinMaxMultiOps"},
    {"uuid_bloom_ops", "UuidBloomOps"},
    {"uuid_minmax_ops", "UuidMinMaxOps"},
    {"uuid_minmax_multi_ops", "UuidMinMaxMultiOps"},
};

std::string index_type(const std::string& method) {
  if (method == "hash") return "Hash";
  if (method == "gist") return "Gist";
  if (method == "gin") return "Gin";
  if (method == "spgist") return "SpGist";
  if (method == "brin") return "Brin";
  return "";
}

std::size_t column_index(const Table& t, const std::string& column) {
  const catalog::Column* c = t.sql->column(column);
  return c ? static_cast<std::size_t>(c - t.sql->columns.data()) : 0;
}

const std::string& field_name(const Table& t, const std::string& column) {
  const Name& n = t.columns[column_index(t, column)];
  return n.name.empty() ? column : n.name;
}

std::vector<std::string> key_columns(const catalog::Index& i) {
  std::vector<std::string> out;
  for (const auto& k : i.keys) out.push_back(k.column);
  return out;
}

// The constraint name Prisma gives an index of the previous schema (its map:, else the default).
std::string previous_constraint_name(const Model& m, const IndexDef& def) {
  if (!def.map.empty()) return def.map;
  std::vector<std::string> columns;
  for (const auto& f : def.fields) {
    const Field* field = m.field(f.field);
    columns.push_back(field ? field->db_name : f.field);
  }
  switch (def.kind) {
    case IndexDef::Kind::id: return primary_key_name(m.db_name);
    case IndexDef::Kind::unique: return index_name(m.db_name, columns, true);
    case IndexDef::Kind::index: return index_name(m.db_name, columns, false);
  }
  return "";
}

// The previous schema's definition of a database index, and its position among the model's.
std::pair<const IndexDef*, std::optional<std::size_t>> previous_index(const Table& t, const catalog::Index& i) {
  if (!t.previous) return {nullptr, std::nullopt};
  if (i.kind == catalog::Index::Kind::primary_key) {
    const auto& pk = t.previous->primary_key;
    return {pk ? &*pk : nullptr, std::nullopt};
  }
  const auto& defs = t.previous->indexes;
  for (std::size_t k = 0; k < defs.size(); ++k) {
    bool upgrade = defs[k].map.empty() && defs[k].name == i.name;  // Prisma 2's name: without map:
    if (upgrade || previous_constraint_name(*t.previous, defs[k]) == i.name) return {&defs[k], k};
  }
  return {nullptr, std::nullopt};
}

// A key's non-default NULLS FIRST/LAST, which Prisma cannot write (btree only, not a primary key).
bool non_default_nulls(const catalog::Index& i, const catalog::IndexKey& k) {
  return i.method == "btree" && i.kind != catalog::Index::Kind::primary_key && k.nulls_first.has_value();
}

std::string index_field(const Table& t, const catalog::Index& i, const catalog::IndexKey& k) {
  std::vector<std::string> arguments;
  if (k.descending) arguments.emplace_back("sort: Desc");
  if (!k.opclass.empty() && i.method != "btree" && i.method != "hash") {
    auto known = std::find_if(std::begin(kOperatorClasses), std::end(kOperatorClasses),
                              [&](const auto& p) { return p.first == k.opclass; });
    arguments.push_back(known != std::end(kOperatorClasses) ? fmt::format("ops: {}", known->second)
                                                            : fmt::format("ops: raw({})", psl_string(k.opclass)));
  }
  const std::string& name = field_name(t, k.column);
  return arguments.empty() ? name : fmt::format("{}({})", name, fmt::join(arguments, ", "));
}

// @@unique, @@index (and @@id): [fields], name:, map:, type:.
std::string block_index(const Table& t, const catalog::Index& i, const IndexDef* previous) {
  std::vector<std::string> fields;
  for (const auto& k : i.keys) fields.push_back(index_field(t, i, k));
  std::vector<std::string> arguments{fmt::format("[{}]", fmt::join(fields, ", "))};
  if (previous && !previous->name.empty()) arguments.push_back("name: " + psl_string(previous->name));
  std::string default_name;
  const char* attribute = "index";
  switch (i.kind) {
    case catalog::Index::Kind::primary_key:
      attribute = "id";
      default_name = primary_key_name(t.sql->name);
      break;
    case catalog::Index::Kind::unique:
    case catalog::Index::Kind::unique_constraint:
      attribute = "unique";
      default_name = index_name(t.sql->name, key_columns(i), true);
      break;
    default: default_name = index_name(t.sql->name, key_columns(i), false);
  }
  if (i.name != default_name && !i.name.empty()) arguments.push_back("map: " + psl_string(i.name));
  if (std::string type = index_type(i.method); !type.empty() && i.kind != catalog::Index::Kind::primary_key)
    arguments.push_back("type: " + type);
  if (!i.predicate.empty()) arguments.push_back(fmt::format("where: raw({})", psl_string(i.predicate)));
  return fmt::format("@@{}({})", attribute, fmt::join(arguments, ", "));
}

// The single-column unique index a field writes as @unique: the first on that column.
const catalog::Index* field_unique(const Table& t, const std::string& column) {
  for (const auto* i : t.indexes)
    if (i->kind != catalog::Index::Kind::primary_key && i->is_unique() && i->keys.size() == 1 &&
        i->keys[0].column == column)
      return i;
  return nullptr;
}

FieldText scalar_field(Context& ctx, const Table& t, std::size_t c) {
  const catalog::Column& column = t.sql->columns[c];
  const Field* previous = t.previous_fields[c];
  const Name& name = t.columns[c];
  FieldText f;
  if (previous && !previous->doc.empty()) f.doc.push_back(previous->doc);
  f.name = name.name.empty() ? column.name : name.name;
  ColumnType type = column_type(ctx, column, previous);
  f.type = field_type_text(type, column);
  if (previous && previous->updated_at) f.attributes.emplace_back("@updatedAt");
  if (const catalog::Index* u = field_unique(t, column.name)) {
    std::vector<std::string> arguments;
    if (u->name != index_name(t.sql->name, {column.name}, true)) arguments.push_back("map: " + psl_string(u->name));
    if (u->keys[0].descending) arguments.emplace_back("sort: Desc");
    if (!u->predicate.empty()) arguments.push_back(fmt::format("where: raw({})", psl_string(u->predicate)));
    f.attributes.push_back(arguments.empty() ? "@unique" : fmt::format("@unique({})", fmt::join(arguments, ", ")));
  }
  if (const catalog::Index* pk = t.primary_key(); pk && pk->keys.size() == 1 && pk->keys[0].column == column.name) {
    std::vector<std::string> arguments;
    if (pk->keys[0].descending) arguments.emplace_back("sort: Desc");
    if (!pk->name.empty() && pk->name != primary_key_name(t.sql->name))
      arguments.push_back("map: " + psl_string(pk->name));
    f.attributes.push_back(arguments.empty() ? "@id" : fmt::format("@id({})", fmt::join(arguments, ", ")));
  }
  if (std::string d = default_attribute(ctx, column, type, previous); !d.empty()) f.attributes.push_back(d);
  if (!name.mapped.empty()) f.attributes.push_back(fmt::format("@map({})", psl_string(name.mapped)));
  if (!type.native.empty()) f.attributes.push_back(fmt::format("@{}.{}", ctx.datasource, type.native));
  if (previous && previous->ignored) f.attributes.emplace_back("@ignore");
  if (sanitize(column.name).empty() && !previous) {
    f.doc.emplace_back(kInvalidFieldName);
    f.commented = true;
  }
  return f;
}

}  // namespace

bool model_ignored(const Context& ctx, const Table& t) {
  return (t.previous && t.previous->ignored) || (!t.has_usable_identifier(ctx) && !t.sql->columns.empty());
}

BlockText model_block(Context& ctx, std::size_t index) {
  const Table& t = ctx.tables[index];
  const catalog::Table& sql = *t.sql;
  bool fresh = t.previous == nullptr;
  BlockText b{.keyword = "model", .name = t.name.name};
  if (!fresh && !t.previous->doc.empty()) b.document(t.previous->doc);
  if (!t.name.mapped.empty() && t.name.reserved && fresh)
    b.document(fmt::format(kRenamedReserved, t.name.name, t.name.mapped));
  if (fresh && t.partitioned) b.document(kPartition);
  if (fresh && t.has_subclass) b.document(kSubclass);
  if (fresh && !sql.checks.empty()) b.document(kChecks);
  bool exclusions = std::any_of(sql.indexes.begin(), sql.indexes.end(),
                                [](const catalog::Index& i) { return i.kind == catalog::Index::Kind::exclusion; });
  if (fresh && exclusions) b.document(kExclusions);
  if (sql.columns.empty()) {
    b.document(kNoColumns);
    b.commented = true;
  } else if (!t.has_usable_identifier(ctx) && !(t.previous && t.previous->ignored)) {
    b.document(kNoIdentifier);
  }
  bool comments = !sql.comment.empty() || std::any_of(sql.columns.begin(), sql.columns.end(),
                                                      [](const catalog::Column& c) { return !c.comment.empty(); });
  if (fresh && comments) b.document(kComments);
  bool deferring = std::any_of(t.indexes.begin(), t.indexes.end(),
                               [](const catalog::Index* i) { return deferrable(i->definition); }) ||
                   std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(),
                               [](const ForeignKey& fk) { return deferrable(fk.sql->definition); });
  if (fresh && deferring) b.document(kDeferring);
  bool null_order = std::any_of(t.indexes.begin(), t.indexes.end(), [&](const catalog::Index* i) {
    return !previous_index(t, *i).first && std::any_of(i->keys.begin(), i->keys.end(), [&](const catalog::IndexKey& k) {
      return non_default_nulls(*i, k);
    });
  });
  if (null_order) b.document(kNullOrder);
  if (!t.expression_indexes.empty()) b.document(kExpressionIndexes);

  for (std::size_t c = 0; c < sql.columns.size(); ++c) b.fields.push_back(scalar_field(ctx, t, c));
  for (auto& f : relation_fields(ctx, index)) b.fields.push_back(std::move(f));

  if (const catalog::Index* pk = t.primary_key(); pk && pk->keys.size() > 1)
    b.attributes.push_back(block_index(t, *pk, previous_index(t, *pk).first));
  // Indexes in the database's order, those the previous schema has first in its order.
  std::vector<std::pair<std::optional<std::size_t>, std::string>> indexes;
  for (const auto* i : t.indexes) {
    if (i->kind == catalog::Index::Kind::primary_key) continue;
    // A single-column unique is its field's @unique; a second one on the same column (which
    // Prisma would lose) is written as @@unique so the database round-trips.
    if (i->is_unique() && i->keys.size() == 1 && field_unique(t, i->keys[0].column) == i) continue;
    auto [def, position] = previous_index(t, *i);
    indexes.emplace_back(position, block_index(t, *i, def));
  }
  std::stable_sort(indexes.begin(), indexes.end(), [](const auto& x, const auto& y) {
    if (x.first && y.first) return *x.first < *y.first;
    return x.first.has_value() && !y.first.has_value();
  });
  for (auto& [position, text] : indexes) b.attributes.push_back(std::move(text));
  if (!t.name.mapped.empty()) b.attributes.push_back(fmt::format("@@map({})", psl_string(t.name.mapped)));
  if (model_ignored(ctx, t)) b.attributes.emplace_back("@@ignore");
  if (ctx.uses_namespaces) b.attributes.push_back(fmt::format("@@schema({})", psl_string(sql.schema)));
  return b;
}

BlockText enum_block(Context& ctx, std::size_t index) {
  const Enum& e = ctx.enums[index];
  BlockText b{.keyword = "enum", .name = e.name.name};
  if (e.previous && !e.previous->doc.empty()) b.document(e.previous->doc);
  for (std::size_t v = 0; v < e.values.size(); ++v) {
    const std::string& db = e.sql->values[v];
    const Name& n = e.values[v];
    FieldText f;
    if (e.previous_values[v] && !e.previous_values[v]->doc.empty()) f.doc.push_back(e.previous_values[v]->doc);
    f.name = n.name.empty() ? db : n.name;
    if (!n.mapped.empty() || db.empty()) f.attributes.push_back(fmt::format("@map({})", psl_string(n.mapped)));
    f.commented = n.name.empty() || needs_sanitation(f.name);
    b.fields.push_back(std::move(f));
  }
  if (!e.name.mapped.empty()) b.attributes.push_back(fmt::format("@@map({})", psl_string(e.name.mapped)));
  if (ctx.uses_namespaces) b.attributes.push_back(fmt::format("@@schema({})", psl_string(e.sql->schema)));
  return b;
}

}  // namespace pgkit::schema::detail::introspection
