// Checks on whole models (psl-core's validations/models.rs, indexes.rs, fields.rs and the
// Postgres connector's index rules): a unique criterion per model, constraint names unique
// where PostgreSQL needs them (primary keys and indexes per schema; keys, indexes and foreign
// keys per table), names too long, index types and operator classes that fit the field, and —
// with relationMode = "prisma" — a warning for relation fields without an index.
#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

constexpr std::size_t kMaxIdentifier = 63;

// Prisma's ConstraintNames: names cut to fit 63 bytes, never inside a UTF-8 character.
std::string cut(std::string s, std::size_t limit) {
  if (s.size() < limit) return s;
  std::size_t at = limit;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  s.resize(at);
  return s;
}

std::string joined_columns(const Model& m, const std::vector<IndexField>& keys) {
  std::string out = m.db_name;
  for (const auto& k : keys) {
    const Field* f = m.field(k.field);
    out += '_';
    out += f ? f->db_name : k.field;
  }
  return out;
}

std::string index_db_name(const Model& m, const IndexDef& idx) {
  if (!idx.map.empty()) return idx.map;
  if (idx.kind == IndexDef::Kind::id) return cut(m.db_name, kMaxIdentifier - 5) + "_pkey";
  const std::string suffix = idx.kind == IndexDef::Kind::unique ? "_key" : "_idx";
  return cut(joined_columns(m, idx.fields), kMaxIdentifier - suffix.size()) + suffix;
}

std::string foreign_key_db_name(const Model& m, const Field& relation_field) {
  if (!relation_field.relation_map.empty()) return relation_field.relation_map;
  std::string out = m.db_name;
  for (const auto& name : relation_field.relation_fields) {
    const Field* f = m.field(name);
    out += '_';
    out += f ? f->db_name : name;
  }
  return cut(out, kMaxIdentifier - 5) + "_fkey";
}

bool strict(const Model& m, const IndexDef& idx) {
  return std::all_of(idx.fields.begin(), idx.fields.end(), [&](const IndexField& k) {
    const Field* f = m.field(k.field);
    return f && f->arity == Arity::required && f->type.kind != FieldType::Kind::unsupported;
  });
}

std::string key_text(const IndexDef& idx) {
  std::string out;
  for (const auto& k : idx.fields) out += (out.empty() ? "" : ", ") + k.field;
  return out;
}

// The Postgres connector's rules for index types and operator classes, per key part.
std::string index_type_problem(const Model& m, const IndexDef& idx, const IndexField& key) {
  const Field* f = m.field(key.field);
  if (!f || key.ops_raw) return "";
  const std::string algo = idx.type.empty() ? "BTree" : idx.type;
  const std::string& ops = key.ops;
  const std::string native = f->native_type ? f->native_type->name : "";
  const bool scalar = f->type.kind == FieldType::Kind::scalar;
  const bool list = f->arity == Arity::list;
  auto is = [&](ScalarType t) { return scalar && f->type.scalar == t; };
  if (f->type.kind == FieldType::Kind::unsupported) return "";
  if (!ops.empty()) {
    const bool brin =
        ops.find("MinMax") != std::string::npos || ops.find("Bloom") != std::string::npos || ops == "InetInclusionOps";
    const bool fits = (ops == "InetOps" && (algo == "Gist" || algo == "SpGist")) ||
                      ((ops == "JsonbOps" || ops == "JsonbPathOps" || ops == "ArrayOps") && algo == "Gin") ||
                      (ops == "TextOps" && algo == "SpGist") || (brin && algo == "Brin");
    if (!fits) return fmt::format("operator class {} does not work with a {} index", ops, algo);
  }
  if (algo == "Gist") {
    if (native == "Inet" && ops == "InetOps") return "";
    if (ops.empty() && is(ScalarType::String) && native.empty()) return "";
    return fmt::format(
        "a Gist index on {} needs a type with an operator class Prisma knows (an @db.Inet field "
        "with ops: InetOps), or ops: raw(\"…\")",
        backquoted(f->name));
  }
  if (algo == "Gin") {
    if (ops.empty() && ((is(ScalarType::Json) && (native.empty() || native == "JsonB")) || list)) return "";
    if ((ops == "JsonbOps" || ops == "JsonbPathOps") && is(ScalarType::Json) && (native.empty() || native == "JsonB")) {
      return "";
    }
    if (ops == "ArrayOps" && list) return "";
    return fmt::format("a Gin index on {} needs a Json (jsonb) field or a list, with a matching operator class",
                       backquoted(f->name));
  }
  if (algo == "SpGist") {
    if (native == "Inet" && (ops.empty() || ops == "InetOps")) return "";
    if (is(ScalarType::String) && (ops.empty() || ops == "TextOps") &&
        (native.empty() || native == "Text" || native == "VarChar" || native == "Char")) {
      return "";
    }
    return fmt::format("an SpGist index on {} needs a text or @db.Inet field", backquoted(f->name));
  }
  if (algo == "Brin") {
    if (!(is(ScalarType::String) || is(ScalarType::Bytes) || is(ScalarType::DateTime) || is(ScalarType::Float) ||
          is(ScalarType::Int) || is(ScalarType::BigInt) || is(ScalarType::Decimal))) {
      return fmt::format("a Brin index does not support the type of {}", backquoted(f->name));
    }
    if (ops.empty()) return "";
    // The operator class names its PostgreSQL type: Int4MinMaxOps for Integer (an Int's default)…
    std::string type = native;
    if (type.empty()) {
      static const std::map<ScalarType, std::string> defaults = {
          {ScalarType::String, "Text"},           {ScalarType::Int, "Integer"},     {ScalarType::BigInt, "BigInt"},
          {ScalarType::Float, "DoublePrecision"}, {ScalarType::Decimal, "Decimal"}, {ScalarType::Bytes, "ByteA"},
          {ScalarType::DateTime, "Timestamp"}};
      type = defaults.at(f->type.scalar);
    }
    static const std::map<std::string, std::string> family = {{"Bit", "BitMinMax"},
                                                              {"VarBit", "VarBitMinMax"},
                                                              {"Char", "Bpchar"},
                                                              {"Date", "Date"},
                                                              {"Real", "Float4"},
                                                              {"DoublePrecision", "Float8"},
                                                              {"Inet", "Inet"},
                                                              {"SmallInt", "Int2"},
                                                              {"Integer", "Int4"},
                                                              {"BigInt", "Int8"},
                                                              {"Decimal", "Numeric"},
                                                              {"Oid", "Oid"},
                                                              {"ByteA", "Bytea"},
                                                              {"Text", "Text"},
                                                              {"VarChar", "Text"},
                                                              {"Timestamp", "Timestamp"},
                                                              {"Timestamptz", "TimestampTz"},
                                                              {"Time", "Time"},
                                                              {"Timetz", "TimeTz"},
                                                              {"Uuid", "Uuid"}};
    auto it = family.find(type);
    if (it != family.end() && ops.rfind(it->second, 0) == 0) {
      const std::string rest = ops.substr(it->second.size());
      if (rest == "BloomOps" || rest == "MinMaxOps" || rest == "MinMaxMultiOps" || rest == "Ops" ||
          (it->second == "Inet" && rest == "InclusionOps")) {
        return "";
      }
    }
    return fmt::format("operator class {} does not fit {} (a {} column)", ops, backquoted(f->name), type);
  }
  return "";
}

class ModelChecks {
 public:
  explicit ModelChecks(Context& ctx) : ctx_(ctx) {}

  void run() {
    for (std::size_t m = 0; m < ctx_.schema.models.size(); ++m) model(m);
    namespaces();
  }

 private:
  Context& ctx_;
  struct Named {
    std::string name;
    std::uint32_t file, offset;
    std::size_t model;
    const char* what;
  };
  std::vector<Named> local_;  // the names of the table being checked
  // PostgreSQL's per-schema namespace of indexes (keys included): every name, with its schema.
  struct Global {
    const std::string* schema;
    Named named;
  };
  std::vector<Global> global_;

  void error(std::size_t m, std::uint32_t offset, std::string message) {
    ctx_.error(ctx_.models[m].file, offset, std::move(message));
  }

  std::uint32_t index_offset(const IndexInfo& info, std::string_view arg) const {
    for (const auto& a : info.attribute->args.args) {
      if (a.name.text == arg) return a.span.start;
    }
    return info.attribute->span.start;
  }

  void model(std::size_t m) {
    const Model& model = ctx_.schema.models[m];
    const ModelInfo& info = ctx_.models[m];
    const char* container = model.view ? "view" : "model";
    unique_criterion(m);
    local_.clear();  // primary key, indexes and foreign keys of this table
    auto add = [&](std::string name, std::uint32_t file, std::uint32_t offset, const char* what, bool global) {
      local_.push_back({std::move(name), file, offset, m, what});
      if (global) global_.push_back({&model.schema, local_.back()});
    };
    if (model.primary_key && info.primary_key.attribute) {
      const IndexDef& pk = *model.primary_key;
      const std::string name = index_db_name(model, pk);
      if (!pk.map.empty() && pk.map.size() > kMaxIdentifier) {
        error(m, index_offset(info.primary_key, "map"),
              fmt::format("the primary key name \"{}\" is longer than PostgreSQL's 63 bytes: shorten it", pk.map));
      }
      add(name, info.primary_key.file, index_offset(info.primary_key, "map"), "primary key", true);
      if (pk.fields.size() > 1) compound_name_clash(m, pk, info.primary_key);
    }
    std::vector<std::string_view> client_names;
    if (model.primary_key && !model.primary_key->name.empty()) client_names.push_back(model.primary_key->name);
    for (std::size_t i = 0; i < model.indexes.size(); ++i) {
      const IndexDef& idx = model.indexes[i];
      const IndexInfo& ii = info.indexes[i];
      if (!idx.map.empty() && idx.map.size() > kMaxIdentifier) {
        error(m, index_offset(ii, "map"),
              fmt::format("the index name \"{}\" is longer than PostgreSQL's 63 bytes: shorten it", idx.map));
      }
      add(index_db_name(model, idx), ii.file, index_offset(ii, idx.map.empty() ? "name" : "map"),
          idx.kind == IndexDef::Kind::unique ? "unique constraint" : "index", true);
      if (!idx.name.empty()) {
        if (std::find(client_names.begin(), client_names.end(), idx.name) != client_names.end()) {
          error(m, index_offset(ii, "name"),
                fmt::format("the name \"{}\" is used by two keys of {} {}: give each its own name:", idx.name,
                            container, backquoted(model.name)));
        }
        client_names.push_back(idx.name);
      }
      if (idx.kind == IndexDef::Kind::unique && idx.fields.size() > 1) compound_name_clash(m, idx, ii);
      index_checks(m, idx, ii);
    }
    for (std::size_t f = 0; f < model.fields.size(); ++f) {
      const Field& field = model.fields[f];
      if (!field.is_relation() || field.relation_fields.empty()) continue;
      const RelationInfo& ri = info.fields[f].relation;
      const std::uint32_t offset = ri.map ? ri.map->span.start : info.fields[f].ast->span.start;
      add(foreign_key_db_name(model, field), info.file, offset, "foreign key", false);
      missing_relation_index(m, f);
    }
    for (const Named& u : local_) {
      const auto same = std::count_if(local_.begin(), local_.end(), [&](const Named& o) { return o.name == u.name; });
      if (same < 2) continue;
      ctx_.error(u.file, u.offset,
                 fmt::format("the {} name \"{}\" is used twice in table \"{}\" (keys, indexes and foreign keys of a "
                             "table need distinct names): give it another name with map:",
                             u.what, u.name, model.db_name));
    }
    // A field must not take the name of a named key (Prisma Client would have two `x`s).
    std::sort(client_names.begin(), client_names.end());
    client_names.erase(std::unique(client_names.begin(), client_names.end()), client_names.end());
    for (std::string_view name : client_names) {
      if (const Field* f = model.field(std::string(name))) {
        ctx_.error(info.file, ctx_.models[m].fields[f - model.fields.data()].ast->span.start,
                   fmt::format("field {} has the name a key of {} {} is given with name:: rename one",
                               backquoted(f->name), container, backquoted(model.name)));
      }
    }
  }

  void unique_criterion(std::size_t m) {
    const Model& model = ctx_.schema.models[m];
    const ModelInfo& info = ctx_.models[m];
    // A primary key with optional fields is reported where it is written (resolve_model_attributes).
    if (model.ignored || model.view || info.broken || model.primary_key) return;
    std::string loose;
    for (const auto& idx : model.indexes) {
      if (idx.kind != IndexDef::Kind::unique) continue;
      if (strict(model, idx)) return;
      loose += fmt::format(" [{}]", key_text(idx));
    }
    error(m, info.block->keyword.span.start,
          fmt::format("model {} has no unique criterion: mark a field @id (or @unique), or add @@id([a, b]) or "
                      "@@unique([a, b]) over required fields{}",
                      backquoted(model.name),
                      loose.empty() ? "" : fmt::format(" (these have optional or Unsupported fields:{})", loose)));
  }

  void compound_name_clash(std::size_t m, const IndexDef& idx, const IndexInfo& ii) {
    if (!idx.name.empty()) return;
    const Model& model = ctx_.schema.models[m];
    std::string client;
    for (const auto& k : idx.fields) client += (client.empty() ? "" : "_") + k.field;
    if (!model.field(client)) return;
    ctx_.error(ii.file, ii.attribute->span.start,
               fmt::format("field {} has the name Prisma Client gives this key: name the key with name: \"…\"",
                           backquoted(client)));
  }

  void index_checks(std::size_t m, const IndexDef& idx, const IndexInfo& ii) {
    const Model& model = ctx_.schema.models[m];
    const std::uint32_t at = ii.attribute->span.start;
    const std::string label = attribute_label(*ii.attribute);
    for (const auto& key : idx.fields) {
      const Field* f = model.field(key.field);
      if (f && native_type_is_xml(*f)) {
        ctx_.error(ii.file, at,
                   fmt::format("{} is @db.Xml, which PostgreSQL cannot {}: remove it from {}", backquoted(f->name),
                               idx.kind == IndexDef::Kind::unique ? "make unique" : "index", label));
      }
      if (idx.kind != IndexDef::Kind::index) continue;
      if (std::string problem = index_type_problem(model, idx, key); !problem.empty()) {
        ctx_.error(ii.file, at, fmt::format("{}: {}", label, problem));
      }
    }
    if (idx.type == "SpGist" && idx.fields.size() > 1) {
      ctx_.error(ii.file, at, "an SpGist index covers one field: split it into one @@index per field");
    }
    if (idx.type == "Hash" &&
        std::any_of(idx.fields.begin(), idx.fields.end(), [](const auto& k) { return k.descending; })) {
      ctx_.error(ii.file, at, "a Hash index has no order: remove sort:");
    }
    if (idx.type == "Hash" && idx.fields.size() > 1) {
      // Prisma lets this through; PostgreSQL's hash indexes take one column and refuse the index.
      ctx_.error(ii.file, at, "a Hash index covers one field on PostgreSQL: split it into one @@index per field");
    }
  }

  // relationMode = "prisma": no foreign key, so no index unless the schema has one (Prisma's
  // validate_missing_relation_indexes: the fields must lead some index or the primary key).
  void missing_relation_index(std::size_t m, std::size_t f) {
    if (!ctx_.schema.datasource.relation_mode_prisma) return;
    const Model& model = ctx_.schema.models[m];
    const Field& field = model.fields[f];
    auto leads = [&](const IndexDef& idx) {
      if (idx.fields.size() < field.relation_fields.size()) return false;
      for (std::size_t i = 0; i < field.relation_fields.size(); ++i) {
        if (idx.fields[i].field != field.relation_fields[i]) return false;
      }
      return true;
    };
    if (model.primary_key && leads(*model.primary_key)) return;
    for (const auto& idx : model.indexes) {
      if (leads(idx)) return;
    }
    const RelationInfo& ri = ctx_.models[m].fields[f].relation;
    std::string fields;
    for (const auto& n : field.relation_fields) fields += (fields.empty() ? "" : ", ") + n;
    ctx_.warning(ctx_.models[m].file,
                 ri.attribute ? ri.attribute->span.start : ctx_.models[m].fields[f].ast->span.start,
                 fmt::format("with relationMode = \"prisma\" there is no foreign key, so no index on {}: queries "
                             "following {} will scan the table — add @@index([{}])",
                             fields, backquoted(field.name), fields));
  }

  // PostgreSQL: primary keys and indexes (unique constraints included) share one namespace per
  // schema.
  void namespaces() {
    std::sort(global_.begin(), global_.end(), [](const Global& a, const Global& b) {
      return std::tie(*a.schema, a.named.name, a.named.model) < std::tie(*b.schema, b.named.name, b.named.model);
    });
    for (std::size_t i = 0; i < global_.size();) {
      std::size_t j = i + 1;
      while (j < global_.size() && *global_[j].schema == *global_[i].schema &&
             global_[j].named.name == global_[i].named.name) {
        ++j;
      }
      // Names used twice within one table are reported per table; here: across tables.
      if (global_[i].named.model != global_[j - 1].named.model) {
        for (std::size_t k = i; k < j; ++k) {
          const Named& u = global_[k].named;
          ctx_.error(u.file, u.offset,
                     fmt::format("the {} name \"{}\" is used by another table in the same schema (PostgreSQL keeps "
                                 "index and key names unique per schema): give it another name with map:",
                                 u.what, u.name));
        }
      }
      i = j;
    }
  }
};

}  // namespace

void validate_models(Context& ctx) { ModelChecks(ctx).run(); }

}  // namespace pgkit::schema::detail
