// Model attributes (parser-database's attributes.rs, per model): @@id, @@unique, @@index with
// their field lists (`[a, b(sort: Desc), c(ops: JsonbPathOps)]`), @@map, @@schema and
// @@ignore; @@fulltext is MySQL's and MongoDB's, so an error here.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

// Prisma's named operator classes (parser-database's OperatorClass).
constexpr std::array<std::string_view, 56> kOperatorClasses = {"InetOps",
                                                               "JsonbOps",
                                                               "JsonbPathOps",
                                                               "ArrayOps",
                                                               "TextOps",
                                                               "BitMinMaxOps",
                                                               "VarBitMinMaxOps",
                                                               "BpcharBloomOps",
                                                               "BpcharMinMaxOps",
                                                               "ByteaBloomOps",
                                                               "ByteaMinMaxOps",
                                                               "DateBloomOps",
                                                               "DateMinMaxOps",
                                                               "DateMinMaxMultiOps",
                                                               "Float4BloomOps",
                                                               "Float4MinMaxOps",
                                                               "Float4MinMaxMultiOps",
                                                               "Float8BloomOps",
                                                               "Float8MinMaxOps",
                                                               "Float8MinMaxMultiOps",
                                                               "InetInclusionOps",
                                                               "InetBloomOps",
                                                               "InetMinMaxOps",
                                                               "InetMinMaxMultiOps",
                                                               "Int2BloomOps",
                                                               "Int2MinMaxOps",
                                                               "Int2MinMaxMultiOps",
                                                               "Int4BloomOps",
                                                               "Int4MinMaxOps",
                                                               "Int4MinMaxMultiOps",
                                                               "Int8BloomOps",
                                                               "Int8MinMaxOps",
                                                               "Int8MinMaxMultiOps",
                                                               "NumericBloomOps",
                                                               "NumericMinMaxOps",
                                                               "NumericMinMaxMultiOps",
                                                               "OidBloomOps",
                                                               "OidMinMaxOps",
                                                               "OidMinMaxMultiOps",
                                                               "TextBloomOps",
                                                               "TextMinMaxOps",
                                                               "TimestampBloomOps",
                                                               "TimestampMinMaxOps",
                                                               "TimestampMinMaxMultiOps",
                                                               "TimestampTzBloomOps",
                                                               "TimestampTzMinMaxOps",
                                                               "TimestampTzMinMaxMultiOps",
                                                               "TimeBloomOps",
                                                               "TimeMinMaxOps",
                                                               "TimeMinMaxMultiOps",
                                                               "TimeTzBloomOps",
                                                               "TimeTzMinMaxOps",
                                                               "TimeTzMinMaxMultiOps",
                                                               "UuidBloomOps",
                                                               "UuidMinMaxOps",
                                                               "UuidMinMaxMultiOps"};

constexpr std::array<std::string_view, 6> kIndexTypes = {"BTree", "Hash", "Gist", "Gin", "SpGist", "Brin"};

class ModelAttributes {
 public:
  ModelAttributes(Context& ctx, std::size_t m) : ctx_(ctx), info_(ctx.models[m]), model_(ctx.schema.models[m]) {}

  void run() {
    const ast::Block& b = *info_.block;
    AttributeSet attrs(ctx_, file(), b.attributes, model_.view ? "view" : "model", model_.name);
    if (const ast::Attribute* a = attrs.single("ignore")) {
      Args(ctx_, file(), *a, {}).finish();
      model_.ignored = true;
      for (std::size_t f = 0; f < model_.fields.size(); ++f) {
        if (model_.fields[f].ignored) {
          ctx_.error(file(), info_.fields[f].ast->span.start,
                     fmt::format("remove @ignore from {}: its model is @@ignore'd already",
                                 backquoted(model_.fields[f].name)));
        }
      }
    }
    if (const ast::Attribute* a = attrs.single("id")) id(*a);
    if (const ast::Attribute* a = attrs.single("map")) {
      info_.map_attr = a;
      Args args(ctx_, file(), *a, {"name"});
      if (const ast::Expression* e = args.take_default("name")) {
        if (auto s = expect_string(ctx_, file(), *e, "@@map's name")) {
          if (s->empty())
            ctx_.error(file(), e->span.start, "@@map's name is empty: give the table's name");
          else
            model_.db_name = *s;
        }
      }
      args.finish();
    }
    if (const ast::Attribute* a = attrs.single("schema")) {
      info_.schema_attr = a;
      Args args(ctx_, file(), *a, {"name"});
      if (const ast::Expression* e = args.take_default("name")) {
        if (auto s = expect_string(ctx_, file(), *e, "@@schema's name")) model_.schema = *s;
      }
      args.finish();
    }
    for (const ast::Attribute* a : index_attributes(attrs)) index(*a, a->name.text == "unique");
    for (const ast::Attribute* a : attrs.repeated("fulltext")) {
      ctx_.error(file(), a->span.start,
                 "@@fulltext is for MySQL and MongoDB; on PostgreSQL use an index such as @@index([a], type: Gin) on a "
                 "tsvector column, or full-text search without an index");
    }
    id_arity();
    attrs.finish("a model takes @@id, @@unique, @@index, @@map, @@schema and @@ignore");
  }

 private:
  Context& ctx_;
  ModelInfo& info_;
  Model& model_;

  std::uint32_t file() const { return info_.file; }

  // @@unique and @@index in the order written.
  std::vector<const ast::Attribute*> index_attributes(AttributeSet& attrs) {
    auto out = attrs.repeated("unique");
    auto idx = attrs.repeated("index");
    out.insert(out.end(), idx.begin(), idx.end());
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->span.start < b->span.start; });
    return out;
  }

  // The field list of @@id/@@unique/@@index; false after errors.
  bool key_fields(const ast::Attribute& a, const ast::Expression& e, IndexDef& def) {
    const std::string label = attribute_label(a);
    if (e.kind != ast::Expression::Kind::array) {
      ctx_.error(file(), e.span.start, fmt::format("{} takes a list of fields: {}([a, b])", label, label));
      return false;
    }
    bool ok = true;
    def.fields.reserve(e.items.size());
    for (const auto& item : e.items) {
      if (item.kind != ast::Expression::Kind::constant && item.kind != ast::Expression::Kind::function) {
        ctx_.error(file(), item.span.start,
                   fmt::format("{} lists field names without quotes, found {}", label, item.describe()));
        ok = false;
        continue;
      }
      const std::optional<std::size_t> found = find_field(info_, item.raw);
      if (!found) {
        ctx_.error(file(), item.span.start,
                   fmt::format("{} refers to {}, which is not a field of {} {}", label, backquoted(item.raw),
                               model_.view ? "view" : "model", backquoted(model_.name)));
        ok = false;
        continue;
      }
      const Field& field = model_.fields[*found];
      if (field.is_relation()) {
        std::string hint;
        if (!field.relation_fields.empty()) {
          std::string names;
          for (const auto& n : field.relation_fields) names += (names.empty() ? "" : ", ") + n;
          hint = fmt::format(": list its scalar fields instead — {}([{}])", label, names);
        }
        ctx_.error(file(), item.span.start,
                   fmt::format("{} refers to the relation field {}, and keys and indexes take scalar fields{}", label,
                               backquoted(item.raw), hint));
        ok = false;
        continue;
      }
      if (std::any_of(def.fields.begin(), def.fields.end(),
                      [&](const IndexField& k) { return k.field == field.name; })) {
        ctx_.error(file(), item.span.start, fmt::format("{} lists {} twice: remove one", label, backquoted(item.raw)));
        ok = false;
        continue;
      }
      IndexField key{.field = field.name};
      for (const auto& arg : item.args) key_argument(a, arg, key, def.kind);
      def.fields.push_back(std::move(key));
    }
    return ok;
  }

  void key_argument(const ast::Attribute& a, const ast::Argument& arg, IndexField& key, IndexDef::Kind kind) {
    const ast::Expression& v = arg.value;
    if (arg.name.text == "sort") {
      if (v.kind == ast::Expression::Kind::constant && (v.raw == "Asc" || v.raw == "Desc")) {
        key.descending = v.raw == "Desc";
        key.sort_given = true;
        if (kind == IndexDef::Kind::id) {
          ctx_.error(file(), arg.span.start,
                     "sort: on a primary key is for SQL Server and MySQL; PostgreSQL primary "
                     "keys are ascending — remove it");
        }
      } else {
        ctx_.error(file(), v.span.start, fmt::format("sort must be Asc or Desc, found `{}`", v.raw));
      }
    } else if (arg.name.text == "length") {
      ctx_.error(file(), arg.span.start,
                 "length: (an index prefix length) is for MySQL; PostgreSQL indexes whole values — remove it");
    } else if (arg.name.text == "ops") {
      if (v.kind == ast::Expression::Kind::constant) {
        if (std::find(kOperatorClasses.begin(), kOperatorClasses.end(), v.raw) == kOperatorClasses.end()) {
          ctx_.error(file(), v.span.start,
                     fmt::format("unknown operator class {}: use one of Prisma's (JsonbPathOps, ArrayOps, TextOps, "
                                 "InetOps, Int4MinMaxOps, …) or raw(\"opclass_name\")",
                                 backquoted(v.raw)));
          return;
        }
        key.ops = std::string(v.raw);
      } else if (v.kind == ast::Expression::Kind::function && v.raw == "raw" && v.args.size() == 1 &&
                 v.args[0].value.kind == ast::Expression::Kind::string) {
        key.ops = v.args[0].value.value;
        key.ops_raw = true;
      } else {
        ctx_.error(file(), v.span.start, "ops: takes an operator class name or raw(\"opclass_name\")");
        return;
      }
      if (kind != IndexDef::Kind::index) {
        ctx_.error(file(), arg.span.start,
                   fmt::format("operator classes (ops:) go in @@index only, not in {}", attribute_label(a)));
      }
    } else {
      ctx_.error(file(), arg.span.start,
                 fmt::format("unknown argument {} for a field in {}: a field takes sort and ops (ops in @@index only)",
                             backquoted(arg.name.text.empty() ? v.raw : arg.name.text), attribute_label(a)));
    }
  }

  void id(const ast::Attribute& a) {
    Args args(ctx_, file(), a, {"fields", "name", "map"});
    IndexDef def;
    def.kind = IndexDef::Kind::id;
    def.where = ctx_.problems.locate(file(), a.span.start);
    bool ok = true;
    if (const ast::Expression* e = args.take_default("fields")) ok = key_fields(a, *e, def);
    name_argument(args, a, def);
    if (const ast::Expression* e = args.take("map")) {
      if (auto s = expect_string(ctx_, file(), *e, "@@id's map")) def.map = *s;
    }
    if (args.take("clustered")) {
      ctx_.error(file(), argument_start(a, "clustered"),
                 "clustered: is for SQL Server; PostgreSQL has no clustered indexes — remove it");
    }
    args.finish();
    if (ok && def.fields.empty()) {
      ctx_.error(file(), a.span.start, "@@id([]) lists no fields: name at least one field");
    }
    if (!ok) {
      info_.broken = true;  // no primary key to check, and no "no unique criterion" error either
      return;
    }
    if (model_.primary_key) {
      ctx_.error(
          file(), a.span.start,
          fmt::format("{} has both @id and @@id: a model has one primary key — keep one", backquoted(model_.name)));
      return;
    }
    model_.primary_key = std::move(def);
    info_.primary_key = {&a, file()};
  }

  void name_argument(Args& args, const ast::Attribute& a, IndexDef& def) {
    const ast::Expression* e = args.take("name");
    if (!e) return;
    auto s = expect_string(ctx_, file(), *e, fmt::format("{}'s name", attribute_label(a)));
    if (!s) return;
    if (s->empty()) {
      ctx_.error(file(), e->span.start,
                 fmt::format("{}'s name is empty: give a name, or remove it", attribute_label(a)));
      return;
    }
    const bool client_name_ok = std::all_of(s->begin(), s->end(), [](char c) {
      return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    if (!client_name_ok && def.kind != IndexDef::Kind::index) {
      ctx_.error(file(), e->span.start,
                 fmt::format("{}'s name is used in Prisma Client and may hold only letters, digits and `_`: rename "
                             "\"{}\" (and give the database name with map:)",
                             attribute_label(a), *s));
    }
    def.name = *s;
  }

  void index(const ast::Attribute& a, bool unique) {
    Args args(ctx_, file(), a, {"fields", "name", "map", "type", "where"});
    IndexDef def;
    def.kind = unique ? IndexDef::Kind::unique : IndexDef::Kind::index;
    def.where = ctx_.problems.locate(file(), a.span.start);
    bool ok = true;
    if (const ast::Expression* e = args.take_default("fields")) ok = key_fields(a, *e, def);
    name_argument(args, a, def);
    if (const ast::Expression* e = args.take("map")) {
      if (auto s = expect_string(ctx_, file(), *e, fmt::format("{}'s map", attribute_label(a)))) {
        if (s->empty()) ctx_.error(file(), e->span.start, "map is empty: give the database name, or remove it");
        def.map = *s;
      }
    }
    if (!unique && !def.name.empty()) {
      // Prisma reads @@index(name:) as the database name (its old meaning); both together is ambiguous.
      if (!def.map.empty()) {
        ctx_.error(file(), a.span.start,
                   "@@index has both name: and map:, and name: is only an old spelling of map: — keep map:");
      } else {
        def.map = def.name;
      }
      def.name.clear();
    }
    if (const ast::Expression* e = args.take("type")) {
      if (unique) {
        ctx_.error(file(), e->span.start, "type: applies to @@index only: unique constraints are BTree indexes");
      } else if (e->kind == ast::Expression::Kind::constant &&
                 std::find(kIndexTypes.begin(), kIndexTypes.end(), e->raw) != kIndexTypes.end()) {
        def.type = std::string(e->raw);
      } else {
        ctx_.error(file(), e->span.start,
                   fmt::format("unknown index type `{}`: use BTree, Hash, Gist, Gin, SpGist or Brin", e->raw));
      }
    }
    if (const ast::Expression* e = args.take("where")) read_predicate(ctx_, file(), a, *e, def);
    if (args.take("clustered")) {
      ctx_.error(file(), argument_start(a, "clustered"),
                 "clustered: is for SQL Server; PostgreSQL has no clustered indexes — remove it");
    }
    args.finish();
    if (ok && def.fields.empty()) {
      ctx_.error(file(), a.span.start,
                 fmt::format("{}([]) lists no fields: name at least one field", attribute_label(a)));
    }
    if (!ok) return;  // reported; an index of the fields that did resolve would only mislead
    model_.indexes.push_back(std::move(def));
    info_.indexes.push_back({&a, file()});
  }

  // Prisma's validate_id_field_arities: a primary key of required fields (unless @@ignore'd).
  void id_arity() {
    if (!model_.primary_key || model_.ignored) return;
    const ast::Attribute* a = info_.primary_key.attribute;
    for (const auto& key : model_.primary_key->fields) {
      const Field* f = model_.field(key.field);
      if (!f || f->arity == Arity::required) continue;
      ctx_.error(file(), a->span.start,
                 f->arity == Arity::optional
                     ? fmt::format("{} is optional, but a primary key's fields must be required: remove the `?` from "
                                   "its type (or make the key @unique instead)",
                                   backquoted(f->name))
                     : fmt::format("{} is a list, but a primary key's fields must be single required values",
                                   backquoted(f->name)));
    }
  }
};

}  // namespace

void resolve_model_attributes(Context& ctx, std::size_t model) { ModelAttributes(ctx, model).run(); }

}  // namespace pgkit::schema::detail
