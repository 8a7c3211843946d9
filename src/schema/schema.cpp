// The public entry points: reading a schema file or folder (Prisma's multi-file schema), where
// pgkit looks for one, parse() and load(), and the model's small lookups.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "schema/internal.hpp"

namespace pgkit::schema {

namespace fs = std::filesystem;

const char* to_string(ScalarType t) {
  switch (t) {
    case ScalarType::String: return "String";
    case ScalarType::Boolean: return "Boolean";
    case ScalarType::Int: return "Int";
    case ScalarType::BigInt: return "BigInt";
    case ScalarType::Float: return "Float";
    case ScalarType::Decimal: return "Decimal";
    case ScalarType::DateTime: return "DateTime";
    case ScalarType::Json: return "Json";
    case ScalarType::Bytes: return "Bytes";
  }
  return "";
}

const Field* Model::field(const std::string& name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

namespace {

template <typename T>
const T* lookup(const std::vector<T>& items, const std::unordered_map<std::string, std::size_t>& index,
                const std::string& name) {
  if (auto it = index.find(name); it != index.end() && it->second < items.size() && items[it->second].name == name) {
    return &items[it->second];
  }
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

// Where text stops being UTF-8 (RFC 3629: no overlongs, surrogates or code points past
// U+10FFFF); npos when it is valid.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF)
      n = 1, cp = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF)
      n = 2, cp = b & 0x0F;
    else if (b >= 0xF0 && b <= 0xF4)
      n = 3, cp = b & 0x07;
    else
      return i;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

// One file's text; a diagnostic (and nullopt) when it cannot be read or is not UTF-8.
std::optional<std::string> read_text(const fs::path& path, std::vector<Diagnostic>& problems) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    problems.push_back({.where = {.file = path.string()},
                        .message = "cannot be read: check that it exists and that pgkit may read it"});
    return std::nullopt;
  }
  std::string text = std::move(buffer).str();
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a byte-order mark says nothing here
  if (const std::size_t bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < bad; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    problems.push_back({.where = {.file = path.string(), .line = line, .column = column},
                        .message = fmt::format("not UTF-8 from byte {} on: save the file as UTF-8", bad)});
    return std::nullopt;
  }
  return text;
}

}  // namespace

const Model* Schema::model(const std::string& name) const { return lookup(models, model_index, name); }

const Enum* Schema::enumeration(const std::string& name) const { return lookup(enums, enum_index, name); }

std::string Schema::default_schema() const {
  return datasource.schemas.empty() ? std::string("public") : datasource.schemas.front();
}

std::vector<SchemaFile> read_files(const fs::path& file_or_folder) {
  std::vector<Diagnostic> problems;
  std::vector<SchemaFile> out;
  std::error_code ec;
  if (fs::is_directory(file_or_folder, ec)) {
    std::vector<fs::path> paths;
    for (fs::recursive_directory_iterator it(file_or_folder, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".prisma") paths.push_back(it->path());
    }
    if (ec) {
      problems.push_back({.where = {.file = file_or_folder.string()},
                          .message = fmt::format("cannot list the folder ({}): check its permissions", ec.message())});
    }
    std::sort(paths.begin(), paths.end());
    if (paths.empty() && !ec) {
      problems.push_back({.where = {.file = file_or_folder.string()},
                          .message = "holds no .prisma files: put the schema (schema.prisma, or several .prisma files "
                                     "with one datasource among them) in it"});
    }
    for (const auto& p : paths) {
      if (auto text = read_text(p, problems)) out.push_back({p.string(), std::move(*text)});
    }
  } else if (!fs::exists(file_or_folder, ec)) {
    problems.push_back({.where = {.file = file_or_folder.string()},
                        .message = "does not exist: give the path of schema.prisma or of a folder of .prisma files"});
  } else if (auto text = read_text(file_or_folder, problems)) {
    out.push_back({file_or_folder.string(), std::move(*text)});
  }
  if (!problems.empty()) throw SchemaError(std::move(problems));
  return out;
}

Schema parse(std::vector<SchemaFile> files) {
  if (files.empty()) {
    throw SchemaError({{.where = {.file = "(no files)"},
                        .message = "no .prisma files were given: pass schema.prisma, or the files of a multi-file "
                                   "schema"}});
  }
  detail::Problems problems(files);
  std::vector<ast::File> trees;
  trees.reserve(files.size());
  for (std::uint32_t i = 0; i < files.size(); ++i) trees.push_back(detail::parse_file(files[i].text, i, problems));
  Schema schema = detail::resolve(files, trees, problems);
  if (problems.has_errors()) throw SchemaError(problems.take(false));
  schema.warnings = problems.take(true);
  trees.clear();  // they point into files' text, which moves next
  schema.files = std::move(files);
  return schema;
}

Schema load(const fs::path& file_or_folder) { return parse(read_files(file_or_folder)); }

std::optional<fs::path> find_default() {
  std::error_code ec;
  for (const char* candidate : {"schema.prisma", "prisma/schema.prisma"}) {
    if (fs::is_regular_file(candidate, ec)) return fs::path(candidate);
  }
  const fs::path folder = "prisma/schema";
  if (fs::is_directory(folder, ec)) return folder;
  return std::nullopt;
}

}  // namespace pgkit::schema
