// The datasource and generator blocks (psl-core's datasource_loader.rs and generator_loader.rs):
// exactly one datasource, for PostgreSQL; its URLs as env("…") or literals — or none at all, as
// Prisma 7 writes it; relationMode, extensions (behind `postgresqlExtensions`, as Prisma has it)
// and schemas. Generators are kept as written; only their provider and previewFeatures are read.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

std::string_view source_of(const Context& ctx, std::uint32_t file, ast::Span span) {
  return std::string_view(ctx.files[file].text).substr(span.start, span.end - span.start);
}

// Report properties given twice; returns name → property (the first of each name).
std::unordered_map<std::string_view, const ast::Property*> properties(Context& ctx, std::uint32_t file,
                                                                      const ast::Block& b) {
  std::unordered_map<std::string_view, const ast::Property*> out;
  for (const auto& p : b.properties) {
    if (!out.emplace(p.name.text, &p).second) {
      ctx.error(file, p.name.span.start,
                fmt::format("{} is set twice in {} {}: keep one", backquoted(p.name.text), ast::to_string(b.kind),
                            backquoted(b.name.text)));
    }
  }
  return out;
}

std::optional<UrlSetting> url_setting(Context& ctx, std::uint32_t file, const ast::Property& p) {
  const ast::Expression& v = *p.value;
  if (v.kind == ast::Expression::Kind::function && v.raw == "env") {
    if (v.args.size() != 1 || !v.args[0].name.text.empty() || v.args[0].value.kind != ast::Expression::Kind::string ||
        v.args[0].value.value.empty()) {
      ctx.error(file, v.span.start,
                fmt::format("env() takes the name of one environment variable, as a string: {} = env(\"DATABASE_URL\")",
                            p.name.text));
      return std::nullopt;
    }
    return UrlSetting{.env = v.args[0].value.value, .literal = {}};
  }
  if (v.kind != ast::Expression::Kind::string) {
    ctx.error(file, v.span.start,
              fmt::format("{} must be env(\"VARIABLE\") or a string, found {}", backquoted(p.name.text), v.describe()));
    return std::nullopt;
  }
  const std::string& url = v.value;
  if (!url.empty() && url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
    ctx.error(file, v.span.start,
              fmt::format("{} must start with postgresql:// or postgres:// (or use env(\"VARIABLE\"))",
                          backquoted(p.name.text)));
    return std::nullopt;
  }
  return UrlSetting{.env = {}, .literal = url};
}

bool same_url(const UrlSetting& a, const UrlSetting& b) { return a.env == b.env && a.literal == b.literal; }

void extensions(Context& ctx, std::uint32_t file, const ast::Property& p, Datasource& ds) {
  if (!ctx.preview_features.count("postgresqlExtensions")) {
    ctx.error(file, p.name.span.start,
              "`extensions` needs the `postgresqlExtensions` preview feature: add previewFeatures = "
              "[\"postgresqlExtensions\"] to the generator block");
  }
  const ast::Expression& v = *p.value;
  if (v.kind != ast::Expression::Kind::array) {
    ctx.error(file, v.span.start, "extensions must be a list: extensions = [citext, pg_trgm(schema: \"ext\")]");
    return;
  }
  for (const auto& item : v.items) {
    if (item.kind != ast::Expression::Kind::constant && item.kind != ast::Expression::Kind::function) {
      ctx.error(file, item.span.start,
                fmt::format("an extension is a name, or a name with arguments (`pg_trgm(schema: \"ext\")`), found {}",
                            item.describe()));
      continue;
    }
    ExtensionDef ext;
    ext.name = std::string(item.raw);
    if (std::isdigit(static_cast<unsigned char>(ext.name.front()))) {
      ctx.error(file, item.span.start, fmt::format("extension name {} starts with a digit", backquoted(ext.name)));
    } else if (ext.name.find('-') != std::string::npos || ext.name.find('.') != std::string::npos) {
      ctx.error(file, item.span.start,
                fmt::format("extension name {} is not a plain name: write it as `{}(map: \"{}\")` with a plain name",
                            backquoted(ext.name), "name", ext.name));
    }
    for (const auto& arg : item.args) {
      std::string* target = arg.name.text == "schema"    ? &ext.schema
                            : arg.name.text == "version" ? &ext.version
                            : arg.name.text == "map"     ? &ext.db_name
                                                         : nullptr;
      if (!target) {
        ctx.error(file, arg.span.start,
                  fmt::format("unknown argument {} of extension {}: an extension takes schema, version and map",
                              backquoted(arg.name.text.empty() ? arg.value.raw : arg.name.text), backquoted(ext.name)));
        continue;
      }
      if (arg.value.kind != ast::Expression::Kind::string) {
        ctx.error(file, arg.value.span.start,
                  fmt::format("{} of extension {} must be a string", arg.name.text, backquoted(ext.name)));
        continue;
      }
      *target = arg.value.value;
    }
    ds.extensions.push_back(std::move(ext));
  }
}

void schemas(Context& ctx, std::uint32_t file, const ast::Property& p, Datasource& ds) {
  const ast::Expression& v = *p.value;
  if (v.kind != ast::Expression::Kind::array) {
    ctx.error(file, v.span.start, "schemas must be a list of strings: schemas = [\"public\", \"auth\"]");
    return;
  }
  if (v.items.empty()) {
    ctx.error(file, v.span.start, "schemas is empty: list at least one schema, or remove the property");
    return;
  }
  for (const auto& item : v.items) {
    if (item.kind != ast::Expression::Kind::string) {
      ctx.error(file, item.span.start, fmt::format("a schema name must be a string, found {}", item.describe()));
      continue;
    }
    if (std::find(ds.schemas.begin(), ds.schemas.end(), item.value) != ds.schemas.end()) {
      ctx.error(file, item.span.start, fmt::format("schema \"{}\" is listed twice: remove one", item.value));
      continue;
    }
    ds.schemas.push_back(item.value);
  }
}

void datasource(Context& ctx, std::uint32_t file, const ast::Block& b) {
  Datasource& ds = ctx.schema.datasource;
  ds.name = std::string(b.name.text);
  ds.provider.clear();
  ds.where = ctx.problems.locate(file, b.keyword.span.start);
  ctx.datasource_name = ds.name;
  auto props = properties(ctx, file, b);
  auto take = [&](std::string_view name) -> const ast::Property* {
    auto it = props.find(name);
    if (it == props.end()) return nullptr;
    const ast::Property* p = it->second;
    props.erase(it);
    return p;
  };

  if (const ast::Property* p = take("provider")) {
    const ast::Expression& v = *p->value;
    if (v.kind != ast::Expression::Kind::string) {
      ctx.error(file, v.span.start, "provider must be a string literal: provider = \"postgresql\"");
    } else if (v.value == "postgresql" || v.value == "postgres") {
      ds.provider = v.value;
    } else {
      ctx.error(file, v.span.start,
                fmt::format("pgkit supports PostgreSQL only, and this datasource's provider is \"{}\": set provider = "
                            "\"postgresql\"",
                            v.value));
    }
  } else {
    ctx.error(file, b.keyword.span.start,
              fmt::format("datasource {} has no provider: add provider = \"postgresql\"", backquoted(b.name.text)));
  }

  const ast::Property* url = take("url");
  const ast::Property* direct = take("directUrl");
  const ast::Property* shadow = take("shadowDatabaseUrl");
  if (ds.provider != "postgresql" && ds.provider != "postgres") return;  // the provider's error says it all
  if (url) ds.url = url_setting(ctx, file, *url);
  if (direct) ds.direct_url = url_setting(ctx, file, *direct);
  if (shadow) {
    ds.shadow_database_url = url_setting(ctx, file, *shadow);
    if (ds.shadow_database_url && ds.shadow_database_url->env.empty() && ds.shadow_database_url->literal.empty()) {
      ds.shadow_database_url.reset();  // Prisma reads shadowDatabaseUrl = "" as not set
    }
  }
  if (ds.shadow_database_url && ds.url && same_url(*ds.shadow_database_url, *ds.url)) {
    ctx.error(file, shadow->value->span.start,
              "shadowDatabaseUrl is the same as url: the shadow database is dropped and recreated, so it must be "
              "another database");
  }
  if (ds.shadow_database_url && ds.direct_url && same_url(*ds.shadow_database_url, *ds.direct_url)) {
    ctx.error(file, shadow->value->span.start,
              "shadowDatabaseUrl is the same as directUrl: the shadow database is dropped and recreated, so it must "
              "be another database");
  }

  const ast::Property* mode = take("relationMode");
  const ast::Property* legacy = take("referentialIntegrity");
  if (legacy) {
    ctx.warning(file, legacy->name.span.start,
                "referentialIntegrity is the old name of relationMode: rename the property to relationMode");
  }
  if (mode && legacy) {
    ctx.error(file, legacy->name.span.start, "relationMode and referentialIntegrity are both set: keep relationMode");
  } else if (const ast::Property* p = mode ? mode : legacy) {
    const ast::Expression& v = *p->value;
    if (v.kind == ast::Expression::Kind::string && (v.value == "prisma" || v.value == "foreignKeys")) {
      ds.relation_mode_prisma = v.value == "prisma";
    } else {
      ctx.error(file, v.span.start,
                fmt::format("relationMode must be \"foreignKeys\" or \"prisma\", found `{}`", v.raw));
    }
  }

  if (const ast::Property* p = take("extensions")) extensions(ctx, file, *p, ds);
  if (const ast::Property* p = take("schemas")) {
    ctx.schemas_property = p;
    schemas(ctx, file, *p, ds);
  }
  if (const ast::Property* p = take("previewFeatures")) {
    ctx.error(file, p->name.span.start, "previewFeatures belongs in the generator block: move it there");
  }
  for (const auto& p : b.properties) {
    auto it = props.find(p.name.text);  // what no rule above took (each name once)
    if (it != props.end() && it->second == &p) {
      ctx.error(file, p.name.span.start,
                fmt::format("unknown datasource property {}: a datasource takes provider, url, directUrl, "
                            "shadowDatabaseUrl, relationMode, extensions and schemas",
                            backquoted(p.name.text)));
    }
  }
}

void generator(Context& ctx, std::uint32_t file, const ast::Block& b) {
  Generator g;
  g.name = std::string(b.name.text);
  g.where = ctx.problems.locate(file, b.keyword.span.start);
  auto props = properties(ctx, file, b);
  for (const auto& p : b.properties) {
    if (p.value) g.properties.emplace_back(std::string(p.name.text), std::string(source_of(ctx, file, p.value->span)));
  }
  if (auto it = props.find("provider"); it == props.end()) {
    ctx.error(file, b.keyword.span.start,
              fmt::format("generator {} has no provider: add provider = \"prisma-client-js\" (or your generator's)",
                          backquoted(g.name)));
  } else if (const ast::Expression& v = *it->second->value; v.kind == ast::Expression::Kind::string) {
    g.provider = v.value;
  } else if (!(v.kind == ast::Expression::Kind::function && v.raw == "env")) {
    ctx.error(file, v.span.start, "a generator's provider must be a string or env(\"VARIABLE\")");
  }
  if (auto it = props.find("previewFeatures"); it != props.end()) {
    const ast::Expression& v = *it->second->value;
    bool ok = v.kind == ast::Expression::Kind::array;
    for (const auto& item : v.items) {
      if (item.kind != ast::Expression::Kind::string)
        ok = false;
      else
        g.preview_features.push_back(item.value);
    }
    if (!ok) ctx.error(file, v.span.start, "previewFeatures must be a list of strings: previewFeatures = [\"views\"]");
    for (const auto& f : g.preview_features) ctx.preview_features.insert(f);
  }
  ctx.schema.generators.push_back(std::move(g));
}

}  // namespace

void resolve_config(Context& ctx) {
  std::vector<std::pair<std::uint32_t, const ast::Block*>> sources;
  std::unordered_map<std::string_view, std::pair<std::uint32_t, const ast::Block*>> generators;
  for (std::uint32_t f = 0; f < ctx.trees.size(); ++f) {
    for (const auto& b : ctx.trees[f].blocks) {
      if (b.kind == ast::Block::Kind::datasource) sources.emplace_back(f, &b);
      if (b.kind != ast::Block::Kind::generator) continue;
      auto [it, inserted] = generators.try_emplace(b.name.text, f, &b);
      if (!inserted) {
        const Location other = ctx.problems.locate(it->second.first, it->second.second->name.span.start);
        ctx.error(f, b.name.span.start,
                  fmt::format("generator {} is defined twice (also at {}:{}): rename or remove one",
                              backquoted(b.name.text), other.file, other.line));
        continue;
      }
      generator(ctx, f, b);  // first: the datasource's checks read the preview features
    }
  }
  if (sources.empty()) {
    ctx.error(0, 0,
              "the schema has no datasource: add a datasource block — datasource db { provider = \"postgresql\" } "
              "(the braces' contents on lines of their own)");
    return;
  }
  if (sources.size() > 1) {
    for (const auto& [f, b] : sources) {
      ctx.error(f, b->keyword.span.start,
                fmt::format("{} datasource blocks, but a schema has exactly one: keep one (this one is {})",
                            sources.size(), backquoted(b->name.text)));
    }
  }
  datasource(ctx, sources.front().first, *sources.front().second);
}

}  // namespace pgkit::schema::detail
