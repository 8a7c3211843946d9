// introspect(), the file: generator and datasource blocks (the previous schema's, rewritten in
// Prisma's order as `db pull` does, or Prisma's defaults), then the models and the enums — those of the previous schema in its
// order, new ones after in the database's order (rendering/models.rs, enums.rs) — laid out by
// schema::format; and the warnings as `db pull` prints them.
#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "schema/introspect_internal.hpp"

namespace pgkit::schema {
namespace detail::introspection {
namespace {

std::string url_text(const UrlSetting& u) {
  return u.env.empty() ? psl_string(u.literal) : fmt::format("env({})", psl_string(u.env));
}

bool has_feature(const Generator& g, std::string_view feature) {
  return std::find(g.preview_features.begin(), g.preview_features.end(), feature) != g.preview_features.end();
}

// Prisma's add_extensions: with the postgresqlExtensions preview feature, the extensions the
// previous datasource names (version and schema kept when written) and the allow-listed ones
// the database has (citext, postgis, pg_crypto, uuid-ossp, with their schema).
std::string extensions_text(const Context& ctx) {
  static constexpr std::string_view kAllowed[] = {"citext", "postgis", "pg_crypto", "uuid-ossp"};
  std::vector<const catalog::Extension*> extensions;
  for (const auto& e : ctx.db->extensions) extensions.push_back(&e);
  std::sort(extensions.begin(), extensions.end(), [](auto* a, auto* b) { return a->name < b->name; });
  std::vector<std::string> out;
  for (const auto* e : extensions) {
    const auto& previous = ctx.previous->datasource.extensions;
    auto prev = std::find_if(previous.begin(), previous.end(), [&](const ExtensionDef& d) {
      return (d.db_name.empty() ? d.name : d.db_name) == e->name;
    });
    bool allowed = std::find(std::begin(kAllowed), std::end(kAllowed), e->name) != std::end(kAllowed);
    if (prev == previous.end() && !allowed) continue;
    std::vector<std::string> arguments;
    if (needs_sanitation(e->name)) arguments.push_back("map: " + psl_string(e->name));
    if (prev != previous.end()) {
      if (!prev->version.empty())
        arguments.push_back("version: " + psl_string(e->version.empty() ? prev->version : e->version));
      if (!prev->schema.empty()) arguments.push_back("schema: " + psl_string(e->schema));
    } else {
      arguments.push_back("schema: " + psl_string(e->schema));
    }
    std::string name = sanitize(e->name);
    out.push_back(arguments.empty() ? name : fmt::format("{}({})", name, fmt::join(arguments, ", ")));
  }
  return out.empty() ? "" : fmt::format("[{}]", fmt::join(out, ", "));
}

// Datasource::from_psl: provider, url, directUrl, shadowDatabaseUrl, relationMode, extensions,
// schemas — rewritten from the previous schema's values, as Prisma does.
std::string datasource_text(const Context& ctx, const Datasource& d, bool extensions) {
  std::string out = fmt::format("datasource {} {{\n  provider = {}\n", d.name, psl_string(d.provider));
  if (d.url) out += fmt::format("  url = {}\n", url_text(*d.url));
  if (d.direct_url) out += fmt::format("  directUrl = {}\n", url_text(*d.direct_url));
  if (d.shadow_database_url) out += fmt::format("  shadowDatabaseUrl = {}\n", url_text(*d.shadow_database_url));
  if (d.relation_mode_prisma) out += "  relationMode = \"prisma\"\n";
  if (extensions) {
    if (std::string e = extensions_text(ctx); !e.empty()) out += fmt::format("  extensions = {}\n", e);
  }
  if (!d.schemas.empty()) {
    std::vector<std::string> schemas = d.schemas;
    std::sort(schemas.begin(), schemas.end());  // Prisma keeps them sorted
    std::vector<std::string> names;
    for (const auto& s : schemas) names.push_back(psl_string(s));
    out += fmt::format("  schemas = [{}]\n", fmt::join(names, ", "));
  }
  return out + "}\n";
}

// Generator::from_psl: provider, output, previewFeatures, binaryTargets, then the other
// properties by name; `partialIndexes` added to the preview features when the database has
// partial indexes (which the models write with `where:`).
std::string generator_text(const Generator& g, bool partial_indexes) {
  auto property = [&](std::string_view key) -> const std::string* {
    for (const auto& [k, v] : g.properties)
      if (k == key) return &v;
    return nullptr;
  };
  std::string out = fmt::format("generator {} {{\n", g.name);
  if (const auto* v = property("provider")) out += fmt::format("  provider = {}\n", *v);
  if (const auto* v = property("output")) out += fmt::format("  output = {}\n", *v);
  std::vector<std::string> features;
  for (const auto& f : g.preview_features) features.push_back(psl_string(f));
  if (partial_indexes && !has_feature(g, "partialIndexes")) features.push_back(psl_string("partialIndexes"));
  if (property("previewFeatures") || !features.empty())
    out += fmt::format("  previewFeatures = [{}]\n", fmt::join(features, ", "));
  if (const auto* v = property("binaryTargets")) out += fmt::format("  binaryTargets = {}\n", *v);
  std::vector<std::pair<std::string, std::string>> others;
  for (const auto& [k, v] : g.properties)
    if (k != "provider" && k != "output" && k != "previewFeatures" && k != "binaryTargets") others.emplace_back(k, v);
  std::stable_sort(others.begin(), others.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : others) out += fmt::format("  {} = {}\n", k, v);
  return out + "}\n";
}

// A block of the file and the file it goes to.
struct Piece {
  std::string file;
  std::string text;
};

// Generators first, then the datasource (Prisma's Configuration); without a previous schema a
// `generator client` for prisma-client-js and a bare datasource.
std::vector<Piece> configuration(const Context& ctx, const std::string& main_file) {
  bool partial = std::any_of(ctx.tables.begin(), ctx.tables.end(), [](const Table& t) {
    return std::any_of(t.indexes.begin(), t.indexes.end(),
                       [](const catalog::Index* i) { return !i->predicate.empty(); });
  });
  std::vector<Piece> out;
  if (!ctx.previous) {
    Generator client{.name = "client", .properties = {{"provider", psl_string("prisma-client-js")}}};
    out.push_back({main_file, generator_text(client, partial)});
    out.push_back({main_file, fmt::format("datasource db {{\n  provider = {}\n}}\n",
                                          psl_string(ctx.options->datasource_provider))});
    return out;
  }
  bool extensions = std::any_of(ctx.previous->generators.begin(), ctx.previous->generators.end(),
                                [](const Generator& g) { return has_feature(g, "postgresqlExtensions"); });
  for (const auto& g : ctx.previous->generators) out.push_back({g.where.file, generator_text(g, partial)});
  out.push_back({ctx.previous->datasource.where.file, datasource_text(ctx, ctx.previous->datasource, extensions)});
  return out;
}

// The text of the block whose keyword is at `where` in the previous schema, up to its closing
// brace; "" when the file is not there (a Schema built by hand).
std::string block_source(const Schema& schema, const Location& where) {
  auto file =
      std::find_if(schema.files.begin(), schema.files.end(), [&](const SchemaFile& f) { return f.path == where.file; });
  if (file == schema.files.end() || where.line < 1) return "";
  const std::string& text = file->text;
  std::size_t at = 0;
  for (int line = 1; line < where.line && at < text.size(); ++at)
    if (text[at] == '\n') ++line;
  for (int column = 1; column < where.column && at < text.size(); ++at)
    if ((static_cast<unsigned char>(text[at]) & 0xC0) != 0x80) ++column;
  std::size_t start = at;
  int depth = 0;
  bool in_string = false;
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (in_string) {
      if (c == '\\')
        ++at;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '/' && at + 1 < text.size() && text[at + 1] == '/') {
      while (at + 1 < text.size() && text[at + 1] != '\n') ++at;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return text.substr(start, at + 1 - start) + "\n";
    }
  }
  return "";
}

std::string doc_lines(const std::vector<std::string>& doc, std::string_view indent) {
  std::string out;
  for (const auto& d : doc) {
    std::size_t start = 0;
    while (true) {
      auto nl = d.find('\n', start);
      out += fmt::format("{}/// {}\n", indent, d.substr(start, nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return out;
}

std::string field_line(const FieldText& f) {
  std::string out = doc_lines(f.doc, "  ");
  out += fmt::format("  {}{}", f.commented ? "// " : "", f.name);
  if (!f.type.empty()) out += " " + f.type;
  for (const auto& a : f.attributes) out += " " + a;
  return out + "\n";
}

// Orders items that may have a position in the previous schema: those first, by position,
// then the others in the order given (compare_options_none_last, stable).
template <typename T>
void previous_first(std::vector<std::pair<std::optional<std::size_t>, T>>& items) {
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    if (a.first && b.first) return *a.first < *b.first;
    return a.first.has_value() && !b.first.has_value();
  });
}

}  // namespace

void BlockText::document(const std::string& text) {
  std::string joined;
  for (const auto& d : doc) (joined += d) += '\n';
  if (joined.find(text) != std::string::npos) return;
  std::size_t start = 0;
  while (true) {
    auto nl = text.find('\n', start);
    doc.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

std::string render_doc(const BlockText& b) { return doc_lines(b.doc, ""); }

std::string_view source_line(const Schema& schema, const Location& where) {
  auto file =
      std::find_if(schema.files.begin(), schema.files.end(), [&](const SchemaFile& f) { return f.path == where.file; });
  if (file == schema.files.end() || where.line < 1) return {};
  std::string_view text = file->text;
  for (int line = 1; line < where.line; ++line) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return {};
    text.remove_prefix(nl + 1);
  }
  return text.substr(0, text.find('\n'));
}

std::string render(const BlockText& b) {
  std::string out = doc_lines(b.doc, "");
  std::string prefix = b.commented ? "// " : "";
  out += fmt::format("{}{} {} {{\n", prefix, b.keyword, b.name);
  for (const auto& f : b.fields) {
    std::string line = field_line(f);
    if (b.commented) line.insert(line.find_first_not_of(' '), "// ");
    out += line;
  }
  if (!b.attributes.empty() && !b.fields.empty()) out += "\n";
  for (const auto& a : b.attributes) out += fmt::format("  {}{}\n", prefix, a);
  return out + prefix + "}\n";
}

}  // namespace detail::introspection

using namespace detail::introspection;

IntrospectResult introspect(const catalog::Catalog& database, const IntrospectOptions& options) {
  Context ctx;
  read_database(ctx, database, options);
  const Schema* previous = ctx.previous;
  std::string main_file = "schema.prisma";
  if (previous && !previous->datasource.where.file.empty())
    main_file = previous->datasource.where.file;
  else if (previous && !previous->files.empty())
    main_file = previous->files.front().path;

  std::vector<std::pair<std::optional<std::size_t>, std::size_t>> models;
  for (std::size_t i = 0; i < ctx.tables.size(); ++i) {
    if (ctx.tables[i].join) continue;
    std::optional<std::size_t> position;
    if (ctx.tables[i].previous) position = static_cast<std::size_t>(ctx.tables[i].previous - previous->models.data());
    models.emplace_back(position, i);
  }
  previous_first(models);
  std::vector<std::pair<std::optional<std::size_t>, std::size_t>> enums;
  for (std::size_t i = 0; i < ctx.enums.size(); ++i) {
    std::optional<std::size_t> position;
    if (ctx.enums[i].previous) position = static_cast<std::size_t>(ctx.enums[i].previous - previous->enums.data());
    enums.emplace_back(position, i);
  }
  previous_first(enums);

  std::vector<Piece> pieces = configuration(ctx, main_file);
  auto file_of = [&](const Location& where) { return where.file.empty() ? main_file : where.file; };
  for (const auto& [position, i] : models) {
    const Table& t = ctx.tables[i];
    pieces.push_back({t.previous ? file_of(t.previous->where) : main_file, render(model_block(ctx, i))});
  }
  // Views are not introspected (Prisma's `views` preview feature): those of the previous schema
  // whose view the database has are kept as written, the others dropped as Prisma drops them.
  auto database_has_view = [&](const Model& m) {
    std::string schema = m.schema.empty() ? ctx.default_schema : m.schema;
    return std::any_of(database.others.begin(), database.others.end(), [&](const catalog::Opaque& o) {
      return (o.kind == "view" || o.kind == "materialized view") && o.name == m.db_name && o.schema == schema;
    });
  };
  if (previous)
    for (const auto& m : previous->models)
      if (m.view && database_has_view(m)) {
        BlockText doc;
        if (!m.doc.empty()) doc.document(m.doc);
        std::string source = block_source(*previous, m.where);
        if (!source.empty()) pieces.push_back({file_of(m.where), render_doc(doc) + source});
      }
  for (const auto& [position, i] : enums) {
    const auto& e = ctx.enums[i];
    pieces.push_back({e.previous ? file_of(e.previous->where) : main_file, render(enum_block(ctx, i))});
  }

  IntrospectResult result;
  std::string text;
  for (const auto& p : pieces) text += (text.empty() ? "" : "\n") + p.text;
  result.text = format({.path = main_file, .text = text});
  // One file per previous file, in their order (even those left empty), then the main file.
  std::vector<std::string> paths;
  if (previous)
    for (const auto& f : previous->files) paths.push_back(f.path);
  if (std::find(paths.begin(), paths.end(), main_file) == paths.end()) paths.push_back(main_file);
  if (paths.size() == 1) {
    result.files.push_back({.path = main_file, .text = result.text});
  } else {
    for (const auto& path : paths) {
      std::string file_text;
      for (const auto& p : pieces)
        if (p.file == path) file_text += (file_text.empty() ? "" : "\n") + p.text;
      result.files.push_back(
          {.path = path, .text = file_text.empty() ? "" : format({.path = path, .text = file_text})});
    }
  }
  result.warnings = warnings(ctx);
  return result;
}

std::string warnings_text(const std::vector<std::string>& warnings) {
  if (warnings.empty()) return "";
  std::string out = "*** WARNING ***\n";
  for (const auto& w : warnings) out += "\n" + w + "\n";
  return out;
}

}  // namespace pgkit::schema
