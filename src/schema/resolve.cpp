// resolve(): the trees of every file into one Schema. This file does the names — one namespace
// for models, views, enums and composite types across all files, fields per model, values per
// enum — and the field types; attributes, relations and the checks that need the whole schema
// follow in the other resolve*/relations/validate files, in the order resolve() calls them.
#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "schema/reserved_names.hpp"
#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

constexpr std::array<std::pair<std::string_view, ScalarType>, 9> kScalars = {{
    {"String", ScalarType::String},
    {"Boolean", ScalarType::Boolean},
    {"Int", ScalarType::Int},
    {"BigInt", ScalarType::BigInt},
    {"Float", ScalarType::Float},
    {"Decimal", ScalarType::Decimal},
    {"DateTime", ScalarType::DateTime},
    {"Json", ScalarType::Json},
    {"Bytes", ScalarType::Bytes},
}};

std::optional<ScalarType> scalar_named(std::string_view name) {
  if (name.empty() || !(name[0] >= 'B' && name[0] <= 'S')) return std::nullopt;  // models are the common case
  for (const auto& [n, t] : kScalars) {
    if (n.size() == name.size() && n == name) return t;
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

struct Top {
  const char* kind;
  std::uint32_t file;
  const ast::Block* block;
};

class Names {
 public:
  explicit Names(Context& ctx) : ctx_(ctx) {}

  void run() {
    std::size_t blocks = 0;
    for (const auto& tree : ctx_.trees) blocks += tree.blocks.size();
    ctx_.schema.models.reserve(blocks);
    ctx_.models.reserve(blocks);
    tops_.reserve(blocks);
    for (std::uint32_t f = 0; f < ctx_.trees.size(); ++f) {
      for (const auto& b : ctx_.trees[f].blocks) top(f, b);
    }
    for (std::size_t m = 0; m < ctx_.models.size(); ++m) fields(m);
  }

 private:
  Context& ctx_;
  std::unordered_map<std::string_view, Top> tops_;

  // Prisma's validate_identifier: names start with a letter and have no `-`.
  void identifier(std::uint32_t file, const ast::Ident& name, std::string_view what) {
    if (!name.text.empty() && std::isdigit(static_cast<unsigned char>(name.text.front()))) {
      ctx_.error(file, name.span.start,
                 fmt::format("{} name {} starts with a digit: names start with a letter", what, backquoted(name.text)));
    } else if (name.text.find('-') != std::string_view::npos) {
      ctx_.error(file, name.span.start,
                 fmt::format("{} name {} has a `-`: use letters, digits and `_` only (map the database name with "
                             "@map/@@map)",
                             what, backquoted(name.text)));
    }
  }

  void reserved(std::uint32_t file, const ast::Block& b) {
    if (scalar_named(b.name.text) || b.name.text == "Unsupported") {
      ctx_.error(
          file, b.name.span.start,
          fmt::format("{} is a built-in type name: rename the {}", backquoted(b.name.text), ast::to_string(b.kind)));
    } else if (is_reserved_name(b.name.text)) {
      ctx_.error(file, b.name.span.start,
                 fmt::format("{} is reserved by Prisma Client (a JavaScript keyword or PrismaClient): rename the {} "
                             "(and keep its table name with @@map)",
                             backquoted(b.name.text), ast::to_string(b.kind)));
    }
  }

  void top(std::uint32_t file, const ast::Block& b) {
    using K = ast::Block::Kind;
    if (b.kind == K::datasource || b.kind == K::generator) return;
    identifier(file, b.name, ast::to_string(b.kind));
    reserved(file, b);
    auto [it, inserted] = tops_.try_emplace(b.name.text, Top{ast::to_string(b.kind), file, &b});
    if (!inserted) {
      const Location other = ctx_.problems.locate(it->second.file, it->second.block->name.span.start);
      ctx_.error(file, b.name.span.start,
                 fmt::format("{} {} clashes with the {} of the same name at {}:{}: models, views, enums and types "
                             "share one namespace — rename one",
                             ast::to_string(b.kind), backquoted(b.name.text), it->second.kind, other.file, other.line));
      return;
    }
    const Location where = ctx_.problems.locate(file, b.keyword.span.start);
    switch (b.kind) {
      case K::model:
      case K::view: {
        if (b.kind == K::view && !ctx_.preview_features.count("views")) {
          ctx_.error(file, b.keyword.span.start,
                     "view blocks need the `views` preview feature: add previewFeatures = [\"views\"] to the "
                     "generator block");
        }
        Model m;
        m.name = std::string(b.name.text);
        m.db_name = m.name;
        m.view = b.kind == K::view;
        m.doc = b.doc;
        m.where = where;
        ctx_.model_index.emplace(b.name.text, ctx_.schema.models.size());
        ctx_.schema.models.push_back(std::move(m));
        ModelInfo info;
        info.block = &b;
        info.file = file;
        ctx_.models.push_back(std::move(info));
        break;
      }
      case K::enumeration: {
        Enum e;
        e.name = std::string(b.name.text);
        e.db_name = e.name;
        e.doc = b.doc;
        e.where = where;
        ctx_.enum_index.emplace(b.name.text, ctx_.schema.enums.size());
        ctx_.schema.enums.push_back(std::move(e));
        ctx_.enums.push_back({&b, file});
        break;
      }
      case K::type:
        ctx_.composite_types.insert(b.name.text);
        ctx_.error(file, b.keyword.span.start,
                   fmt::format("composite type {} is for MongoDB only; PostgreSQL has none: make it a model with a "
                               "relation, or store the value in a Json field",
                               backquoted(b.name.text)));
        break;
      default: break;
    }
  }

  // The suggestion for an unknown type: a name that differs only in case.
  std::string suggestion(std::string_view name) const {
    for (const auto& [n, t] : kScalars) {
      if (iequals(n, name)) return fmt::format(" — did you mean {}?", backquoted(n));
    }
    for (const auto& [n, top] : tops_) {
      if (iequals(n, name)) return fmt::format(" — did you mean {}?", backquoted(n));
    }
    return "";
  }

  void fields(std::size_t m) {
    ModelInfo& info = ctx_.models[m];
    Model& model = ctx_.schema.models[m];
    const char* container = model.view ? "view" : "model";
    if (info.block->unclosed) info.broken = true;
    const auto& ast_fields = info.block->fields;
    model.fields.reserve(ast_fields.size());
    info.fields.reserve(ast_fields.size());
    // The field index: names sorted (one allocation, binary search); a name seen before in
    // source order is a duplicate.
    auto& index = info.field_index;
    index.reserve(ast_fields.size());
    for (std::size_t i = 0; i < ast_fields.size(); ++i) index.push_back({ast_fields[i].name.text, i});
    std::stable_sort(index.begin(), index.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<bool> duplicate(ast_fields.size(), false);
    for (std::size_t k = 1; k < index.size(); ++k) {
      if (index[k].first == index[k - 1].first) duplicate[index[k].second] = true;
    }
    std::vector<std::size_t> position(ast_fields.size());  // AST index → Model::fields index
    for (std::size_t i = 0; i < ast_fields.size(); ++i) {
      const ast::Field& f = ast_fields[i];
      if (f.broken) info.broken = true;
      identifier(info.file, f.name, "field");
      if (duplicate[i]) {
        ctx_.error(info.file, f.name.span.start,
                   fmt::format("field {} is defined twice in {} {}: rename or remove one", backquoted(f.name.text),
                               container, backquoted(model.name)));
        continue;
      }
      position[i] = model.fields.size();
      Field& field = model.fields.emplace_back();  // built in place: a Field is large
      field.name = f.name.text;
      field.db_name = field.name;
      field.doc = f.doc;
      field.where = ctx_.problems.locate(info.file, f.name.span.start);
      FieldInfo& fi = info.fields.emplace_back();
      fi.ast = &f;
      field_type(info.file, f, field, fi);
    }
    std::erase_if(index, [&](const auto& e) { return duplicate[e.second]; });
    for (auto& e : index) e.second = position[e.second];
  }

  void field_type(std::uint32_t file, const ast::Field& f, Field& field, FieldInfo& fi) {
    if (!f.type) {
      fi.type_known = false;
      if (!f.broken) {
        ctx_.error(file, f.name.span.start,
                   fmt::format("field {} has no type: write `{} String` (or another type) before its attributes",
                               backquoted(f.name.text), f.name.text));
      }
      return;
    }
    const ast::FieldType& t = *f.type;
    switch (t.arity) {
      case ast::Arity::required: field.arity = Arity::required; break;
      case ast::Arity::optional: field.arity = Arity::optional; break;
      case ast::Arity::list: field.arity = Arity::list; break;
      case ast::Arity::optional_list:
        field.arity = Arity::list;
        ctx_.error(file, t.span.start,
                   "optional lists are not supported: write `Type[]` (a list may be empty) or "
                   "`Type?`");
        break;
    }
    if (t.legacy_required) {
      ctx_.error(file, t.span.start, "remove the `!`: fields are required unless marked `?` (`!` is Prisma 1 syntax)");
    }
    if (t.legacy_list) {
      ctx_.error(file, t.span.start,
                 fmt::format("write `{}[]` for a list: `[{}]` is Prisma 1 syntax", t.name.text, t.name.text));
    }
    if (t.unsupported) {
      field.type.kind = FieldType::Kind::unsupported;
      field.type.name = t.unsupported_text;
      return;
    }
    if (auto scalar = scalar_named(t.name.text)) {
      field.type.kind = FieldType::Kind::scalar;
      field.type.scalar = *scalar;
      return;
    }
    field.type.name = std::string(t.name.text);
    if (auto it = ctx_.enum_index.find(t.name.text); it != ctx_.enum_index.end()) {
      field.type.kind = FieldType::Kind::enumeration;
      return;
    }
    if (auto it = ctx_.model_index.find(t.name.text); it != ctx_.model_index.end()) {
      field.type.kind = FieldType::Kind::model;
      fi.model = it->second;
      return;
    }
    fi.type_known = false;
    if (f.broken) return;  // its line is reported already; the "type" may be a word of it
    if (ctx_.composite_types.count(t.name.text)) return;  // the type block is reported already
    ctx_.error(
        file, t.name.span.start,
        fmt::format("unknown type {} for field {}: it is not a scalar type (String, Boolean, Int, BigInt, Float, "
                    "Decimal, DateTime, Json, Bytes), a model or an enum{}",
                    backquoted(t.name.text), backquoted(f.name.text), suggestion(t.name.text)));
  }
};

void resolve_enums(Context& ctx) {
  for (std::size_t e = 0; e < ctx.enums.size(); ++e) {
    const EnumInfo& info = ctx.enums[e];
    Enum& en = ctx.schema.enums[e];
    const ast::Block& b = *info.block;
    if (b.values.empty()) {
      ctx.error(info.file, b.keyword.span.start,
                fmt::format("enum {} has no values: add at least one (one name per line)", backquoted(en.name)));
    }
    std::unordered_map<std::string_view, std::size_t> names;
    std::unordered_map<std::string, std::size_t> db_names;
    for (const auto& v : b.values) {
      if (!v.name.text.empty() && std::isdigit(static_cast<unsigned char>(v.name.text.front()))) {
        ctx.error(info.file, v.name.span.start,
                  fmt::format("enum value {} starts with a digit: start it with a letter and keep the database value "
                              "with @map(\"{}\")",
                              backquoted(v.name.text), v.name.text));
      } else if (v.name.text.find('-') != std::string_view::npos) {
        ctx.error(info.file, v.name.span.start,
                  fmt::format("enum value {} has a `-`: use letters, digits and `_`, and keep the database value with "
                              "@map(\"{}\")",
                              backquoted(v.name.text), v.name.text));
      }
      if (!names.emplace(v.name.text, en.values.size()).second) {
        ctx.error(info.file, v.name.span.start,
                  fmt::format("value {} is defined twice in enum {}: remove one", backquoted(v.name.text),
                              backquoted(en.name)));
        continue;
      }
      EnumValue value{.name = std::string(v.name.text), .db_name = std::string(v.name.text), .doc = v.doc};
      AttributeSet attrs(ctx, info.file, v.attributes, "enum value", v.name.text);
      if (const ast::Attribute* map = attrs.single("map")) {
        Args args(ctx, info.file, *map, {"name"});
        if (const ast::Expression* e = args.take_default("name")) {
          if (auto s = expect_string(ctx, info.file, *e, "@map's name")) value.db_name = *s;
        }
        args.finish();
      }
      attrs.finish("an enum value takes @map only");
      if (auto [it, inserted] = db_names.emplace(value.db_name, en.values.size()); !inserted) {
        ctx.error(info.file, v.span.start,
                  fmt::format("enum {} has two values stored as \"{}\" in the database: change one @map",
                              backquoted(en.name), value.db_name));
      }
      en.values.push_back(std::move(value));
    }
    AttributeSet attrs(ctx, info.file, b.attributes, "enum", en.name);
    if (const ast::Attribute* map = attrs.single("map")) {
      ctx.enums[e].map_attr = map;
      Args args(ctx, info.file, *map, {"name"});
      if (const ast::Expression* x = args.take_default("name")) {
        if (auto s = expect_string(ctx, info.file, *x, "@@map's name")) en.db_name = *s;
      }
      args.finish();
    }
    if (const ast::Attribute* schema = attrs.single("schema")) {
      ctx.enums[e].schema_attr = schema;
      Args args(ctx, info.file, *schema, {"name"});
      if (const ast::Expression* x = args.take_default("name")) {
        if (auto s = expect_string(ctx, info.file, *x, "@@schema's name")) en.schema = *s;
      }
      args.finish();
    }
    attrs.finish("an enum takes @@map and @@schema");
  }
}

}  // namespace

Schema resolve(const std::vector<SchemaFile>& files, const std::vector<ast::File>& trees, Problems& problems) {
  Schema schema;
  Context ctx{files, trees, problems, schema};
  resolve_config(ctx);
  Names(ctx).run();
  resolve_enums(ctx);
  for (std::size_t m = 0; m < ctx.models.size(); ++m) {
    resolve_field_attributes(ctx, m);
    resolve_model_attributes(ctx, m);
  }
  validate_names(ctx);
  resolve_relations(ctx);
  validate_models(ctx);
  schema.model_index.reserve(schema.models.size());
  for (std::size_t i = 0; i < schema.models.size(); ++i) schema.model_index.emplace(schema.models[i].name, i);
  for (std::size_t i = 0; i < schema.enums.size(); ++i) schema.enum_index.emplace(schema.enums[i].name, i);
  return schema;
}

}  // namespace pgkit::schema::detail
