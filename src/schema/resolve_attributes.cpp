// Field attributes (parser-database's attributes.rs, per field): on scalar fields @map, @ignore,
// @id, @updatedAt, @default, @db.* and @unique; on relation fields @relation and @ignore. Every
// other attribute, or one in the wrong place, is an error that says where it belongs.
#include <algorithm>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

constexpr std::string_view kScalarAttributes =
    "a scalar field takes @id, @unique, @default, @updatedAt, @map, @ignore and native types such as @db.Text";
constexpr std::string_view kRelationAttributes = "a relation field takes @relation and @ignore";

std::optional<std::string> non_empty_string(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                            std::string_view what) {
  auto s = expect_string(ctx, file, e, what);
  if (s && s->empty()) {
    ctx.error(file, e.span.start, fmt::format("{} is empty: give a name, or remove the argument", what));
    return std::nullopt;
  }
  return s;
}

// sort: Asc | Desc; true when descending.
bool read_sort(Context& ctx, std::uint32_t file, const ast::Expression* e) {
  if (!e) return false;
  auto c = expect_constant(ctx, file, *e, "sort");
  if (!c) return false;
  if (*c != "Asc" && *c != "Desc") {
    ctx.error(file, e->span.start, fmt::format("sort must be Asc or Desc, found `{}`", *c));
    return false;
  }
  return *c == "Desc";
}

void unsupported_arguments(Context& ctx, std::uint32_t file, const ast::Attribute& a, Args& args) {
  if (args.take("length")) {
    ctx.error(file, argument_start(a, "length"),
              "length: (an index prefix length) is for MySQL; PostgreSQL indexes whole values — remove it");
  }
  if (args.take("clustered")) {
    ctx.error(file, argument_start(a, "clustered"),
              "clustered: is for SQL Server; PostgreSQL has no clustered indexes — remove it");
  }
}

class FieldAttributes {
 public:
  FieldAttributes(Context& ctx, std::size_t m) : ctx_(ctx), m_(m), info_(ctx.models[m]), model_(ctx.schema.models[m]) {}

  void run() {
    for (std::size_t f = 0; f < model_.fields.size(); ++f) {
      FieldInfo& fi = info_.fields[f];
      if (!fi.type_known && model_.fields[f].type.kind != FieldType::Kind::unsupported) continue;
      if (model_.fields[f].is_relation())
        relation_field(f);
      else
        scalar_field(f);
    }
  }

 private:
  Context& ctx_;
  std::size_t m_;
  ModelInfo& info_;
  Model& model_;

  std::uint32_t file() const { return info_.file; }

  void scalar_field(std::size_t f) {
    Field& field = model_.fields[f];
    const ast::Field& af = *info_.fields[f].ast;
    AttributeSet attrs(ctx_, file(), af.attributes, "field", model_.fields[f].name);

    if (const ast::Attribute* a = attrs.single("map")) {
      Args args(ctx_, file(), *a, {"name"});
      if (const ast::Expression* e = args.take_default("name")) {
        if (auto s = non_empty_string(ctx_, file(), *e, "@map's name")) field.db_name = *s;
      }
      args.finish();
    }
    if (const ast::Attribute* a = attrs.single("ignore")) {
      Args(ctx_, file(), *a, {}).finish();
      if (field.type.kind == FieldType::Kind::unsupported) {
        ctx_.error(file(), a->span.start, "remove @ignore: an Unsupported field is already left out of Prisma Client");
      } else {
        field.ignored = true;
      }
    }
    if (const ast::Attribute* a = attrs.single("relation")) {
      ctx_.error(file(), a->span.start,
                 fmt::format("@relation belongs on a relation field (one whose type is a model), and {} is a scalar "
                             "field: move it to the relation field",
                             backquoted(field.name)));
    }
    if (const ast::Attribute* a = attrs.single("id")) id(f, *a);
    if (const ast::Attribute* a = attrs.single("updatedAt")) {
      Args(ctx_, file(), *a, {}).finish();
      if (field.type.kind != FieldType::Kind::scalar || field.type.scalar != ScalarType::DateTime) {
        ctx_.error(file(), a->span.start,
                   fmt::format("@updatedAt needs a DateTime field, and {} is not one: change its type to DateTime or "
                               "remove @updatedAt",
                               backquoted(field.name)));
      } else if (field.arity == Arity::list) {
        ctx_.error(file(), a->span.start, "@updatedAt cannot be on a list: make the field a single DateTime");
      }
      field.updated_at = true;
    }
    if (const ast::Attribute* a = attrs.single("default")) resolve_default(ctx_, m_, f, *a);
    if (const ast::Attribute* a = attrs.native_type()) {
      if (field.type.kind == FieldType::Kind::scalar) {
        resolve_native_type(ctx_, m_, f, *a);
      } else {
        ctx_.error(
            file(), a->span.start,
            fmt::format("{} applies to scalar fields, and {} is {}: remove it", attribute_label(*a),
                        backquoted(field.name),
                        field.type.kind == FieldType::Kind::enumeration ? "an enum (its database type is the enum)"
                                                                        : "Unsupported"));
      }
    }
    if (const ast::Attribute* a = attrs.single("unique")) unique(f, *a);
    if (field.type.kind == FieldType::Kind::unsupported) check_unsupported_type(ctx_, m_, f);
    attrs.finish(kScalarAttributes);
  }

  void id(std::size_t f, const ast::Attribute& a) {
    Args args(ctx_, file(), a, {"map", "sort"});
    IndexDef def;
    def.kind = IndexDef::Kind::id;
    def.field_attribute = true;
    def.where = ctx_.problems.locate(file(), a.span.start);
    if (const ast::Expression* e = args.take("map")) {
      if (auto s = non_empty_string(ctx_, file(), *e, "@id's map")) def.map = *s;
    }
    IndexField key{.field = model_.fields[f].name};
    if (const ast::Expression* e = args.take("sort")) {
      key.descending = read_sort(ctx_, file(), e);
      ctx_.error(file(), argument_start(a, "sort"),
                 "sort: on a primary key is for SQL Server and MySQL; PostgreSQL primary keys "
                 "are ascending — remove it");
    }
    unsupported_arguments(ctx_, file(), a, args);
    args.finish();
    def.fields.push_back(std::move(key));
    if (model_.primary_key) {
      ctx_.error(file(), a.span.start,
                 fmt::format("more than one field of {} has @id: a model has one primary key — use @@id([a, b]) for a "
                             "key of several fields",
                             backquoted(model_.name)));
      return;
    }
    model_.primary_key = std::move(def);
    info_.primary_key = {&a, file()};
  }

  void unique(std::size_t f, const ast::Attribute& a) {
    Args args(ctx_, file(), a, {"map", "sort", "where"});
    IndexDef def;
    def.kind = IndexDef::Kind::unique;
    def.field_attribute = true;
    def.where = ctx_.problems.locate(file(), a.span.start);
    if (const ast::Expression* e = args.take("map")) {
      if (auto s = non_empty_string(ctx_, file(), *e, "@unique's map")) def.map = *s;
    }
    IndexField key{.field = model_.fields[f].name};
    const ast::Expression* sort = args.take("sort");
    key.descending = read_sort(ctx_, file(), sort);
    key.sort_given = sort != nullptr;
    if (const ast::Expression* e = args.take("where")) read_predicate(ctx_, file(), a, *e, def);
    unsupported_arguments(ctx_, file(), a, args);
    args.finish();
    def.fields.push_back(std::move(key));
    model_.indexes.push_back(std::move(def));
    info_.indexes.push_back({&a, file()});
  }

  void relation_field(std::size_t f) {
    Field& field = model_.fields[f];
    FieldInfo& fi = info_.fields[f];
    const ast::Field& af = *fi.ast;
    AttributeSet attrs(ctx_, file(), af.attributes, "field", model_.fields[f].name);
    if (const ast::Attribute* a = attrs.single("relation")) relation(f, *a);
    if (const ast::Attribute* a = attrs.single("ignore")) {
      Args(ctx_, file(), *a, {}).finish();
      field.ignored = true;
    }
    if (const ast::Attribute* a = attrs.single("id")) {
      ctx_.error(file(), a->span.start,
                 fmt::format("{} is a relation field and cannot be @id: put @id on a scalar field (such as the one in "
                             "fields: [...])",
                             backquoted(field.name)));
    }
    if (const ast::Attribute* a = attrs.single("default")) {
      ctx_.error(file(), a->span.start,
                 fmt::format("a relation field cannot have a @default: put it on the scalar field in fields: [...]"));
    }
    if (const ast::Attribute* a = attrs.single("map")) {
      ctx_.error(file(), a->span.start,
                 "@map does not apply to a relation field (it has no column): name the foreign key with "
                 "@relation(map: \"…\"), or @map the scalar fields");
    }
    if (const ast::Attribute* a = attrs.single("unique")) {
      std::string hint;
      if (fi.relation.fields && !fi.relation.fields->empty()) {
        std::string names;
        for (std::size_t k : *fi.relation.fields) {
          if (!names.empty()) names += ", ";
          names += model_.fields[k].name;
        }
        hint = fi.relation.fields->size() == 1 ? fmt::format(": put @unique on {}", backquoted(names))
                                               : fmt::format(": add @@unique([{}]) to the model", names);
      }
      ctx_.error(file(), a->span.start,
                 fmt::format("{} is a relation field and cannot be @unique{}", backquoted(field.name), hint));
    }
    if (const ast::Attribute* a = attrs.single("updatedAt")) {
      ctx_.error(file(), a->span.start, "@updatedAt needs a DateTime field, not a relation field: remove it");
    }
    if (const ast::Attribute* a = attrs.native_type()) {
      ctx_.error(file(), a->span.start,
                 fmt::format("{} applies to scalar fields, and {} is a relation field: put it on the scalar field",
                             attribute_label(*a), backquoted(field.name)));
    }
    attrs.finish(kRelationAttributes);
  }

  // fields: [a, b] in model `in_model`; field indices, or nullopt after errors.
  std::optional<std::vector<std::size_t>> field_list(const ast::Expression& e, std::size_t in_model,
                                                     std::string_view arg) {
    if (e.kind != ast::Expression::Kind::array) {
      ctx_.error(file(), e.span.start,
                 fmt::format("{}: takes a list of field names, such as {}: [authorId]", arg, arg));
      return std::nullopt;
    }
    const Model& target = ctx_.schema.models[in_model];
    const ModelInfo& target_info = ctx_.models[in_model];
    std::vector<std::size_t> out;
    bool ok = true;
    for (const auto& item : e.items) {
      if (item.kind != ast::Expression::Kind::constant) {
        ctx_.error(file(), item.span.start,
                   fmt::format("{}: lists field names without quotes, found {}", arg, item.describe()));
        ok = false;
        continue;
      }
      const std::optional<std::size_t> found = find_field(target_info, item.raw);
      if (!found) {
        ctx_.error(file(), item.span.start,
                   fmt::format("{}: refers to {}, which is not a field of {} {}", arg, backquoted(item.raw),
                               target.view ? "view" : "model", backquoted(target.name)));
        ok = false;
        continue;
      }
      if (target.fields[*found].is_relation()) {
        ctx_.error(file(), item.span.start,
                   fmt::format("{}: must list scalar fields, and {} is a relation field of {}", arg,
                               backquoted(item.raw), backquoted(target.name)));
        ok = false;
        continue;
      }
      if (std::find(out.begin(), out.end(), *found) != out.end()) {
        ctx_.error(file(), item.span.start, fmt::format("{}: lists {} twice", arg, backquoted(item.raw)));
        ok = false;
        continue;
      }
      out.push_back(*found);
    }
    if (!ok) return std::nullopt;
    return out;
  }

  std::optional<ReferentialAction> action(const ast::Expression& e, std::string_view arg) {
    if (e.kind == ast::Expression::Kind::constant) {
      if (e.raw == "Cascade") return ReferentialAction::Cascade;
      if (e.raw == "Restrict") return ReferentialAction::Restrict;
      if (e.raw == "NoAction") return ReferentialAction::NoAction;
      if (e.raw == "SetNull") return ReferentialAction::SetNull;
      if (e.raw == "SetDefault") return ReferentialAction::SetDefault;
    }
    ctx_.error(file(), e.span.start,
               fmt::format("{}: must be Cascade, Restrict, NoAction, SetNull or SetDefault, found `{}`", arg, e.raw));
    return std::nullopt;
  }

  void relation(std::size_t f, const ast::Attribute& a) {
    Field& field = model_.fields[f];
    RelationInfo& ri = info_.fields[f].relation;
    ri.attribute = &a;
    Args args(ctx_, file(), a, {"name", "fields", "references", "onDelete", "onUpdate", "map"});
    if (const ast::Expression* e = args.take("fields")) {
      ri.fields = field_list(*e, m_, "fields");
      if (!ri.fields) ri.fields = std::vector<std::size_t>{};
      for (std::size_t k : *ri.fields) field.relation_fields.push_back(model_.fields[k].name);
    }
    if (const ast::Expression* e = args.take("references")) {
      const std::size_t other = info_.fields[f].model;
      ri.references = field_list(*e, other, "references");
      if (!ri.references) ri.references = std::vector<std::size_t>{};
      for (std::size_t k : *ri.references)
        field.relation_references.push_back(ctx_.schema.models[other].fields[k].name);
    }
    if (const ast::Expression* e = args.take_default("name", false)) {
      if (auto s = expect_string(ctx_, file(), *e, "the relation's name")) {
        if (s->empty()) ctx_.error(file(), e->span.start, "the relation's name is empty: give a name, or remove it");
        field.relation_name = *s;
      }
    }
    if (const ast::Expression* e = args.take("onDelete")) {
      ri.on_delete = e;
      field.on_delete = action(*e, "onDelete");
    }
    if (const ast::Expression* e = args.take("onUpdate")) {
      ri.on_update = e;
      field.on_update = action(*e, "onUpdate");
    }
    if (const ast::Expression* e = args.take("map")) {
      ri.map = e;
      if (auto s = non_empty_string(ctx_, file(), *e, "the foreign key's map")) field.relation_map = *s;
    }
    args.finish();
  }
};

}  // namespace

void read_predicate(Context& ctx, std::uint32_t file, const ast::Attribute& a, const ast::Expression& e,
                    IndexDef& def) {
  if (!ctx.preview_features.count("partialIndexes")) {
    ctx.error(file, e.span.start,
              fmt::format("where: on {} makes a partial index, a preview feature: add previewFeatures = "
                          "[\"partialIndexes\"] to the generator block",
                          attribute_label(a)));
  }
  if (e.kind == ast::Expression::Kind::function && e.raw == "raw" && e.args.size() == 1 &&
      e.args[0].name.text.empty() && e.args[0].value.kind == ast::Expression::Kind::string) {
    def.predicate = e.args[0].value.value;
  } else if (e.kind == ast::Expression::Kind::object) {
    def.predicate = std::string(e.raw);
    def.predicate_object = true;
  } else {
    ctx.error(file, e.span.start, "where: takes raw(\"SQL condition\") or an object such as { active: true }");
  }
}

void resolve_field_attributes(Context& ctx, std::size_t model) { FieldAttributes(ctx, model).run(); }

}  // namespace pgkit::schema::detail
