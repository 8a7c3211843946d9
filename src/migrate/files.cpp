// read_directory: which files of a migrations directory are migrations, in which format, with
// which down file, in which order. Every problem is collected and reported together, so one
// run shows the user everything to fix. What is inside a file is files_parse.cpp's business.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "migrate/files_internal.hpp"

namespace pgkit::migrate {

namespace fs = std::filesystem;

namespace detail {

void Problems::throw_if_any(const fs::path& dir) const {
  if (list_.empty()) return;
  auto sorted = list_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string message = sorted.size() == 1
                            ? fmt::format("1 problem in migrations directory {}:", dir.string())
                            : fmt::format("{} problems in migrations directory {}:", sorted.size(), dir.string());
  for (const auto& [file, what] : sorted) message += fmt::format("\n  {}: {}", file, what);
  throw MigrationError({.message = message,
                        .hint = "fix every file listed; nothing is applied until the whole directory reads cleanly"});
}

}  // namespace detail

namespace {

using detail::Problems;

constexpr std::string_view kAcceptedNames =
    "accepted names: <version>_<name>.sql (pgkit/dbmate, goose, split), <version>_<name>-down.sql (split down), "
    "<version>_<name>.up.sql / .down.sql (golang-migrate), V<version>__<name>.sql (Flyway), "
    "<timestamp>_<name>/migration.sql (Prisma); <version> is digits";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

enum class Role { up, down };

// A file that, by its name, belongs to a migration.
struct Candidate {
  fs::path path;
  std::string version;
  std::string name;
  std::string format;  // empty: `<version>_<name>.sql`, decided by what the file holds
  Role role = Role::up;
  std::string key;  // the same for an up file and its down file
  std::string text;
  bool readable = true;
};

// `<digits>_<rest>` → {digits, rest}, rest not empty.
std::optional<std::pair<std::string, std::string>> version_and_rest(std::string_view s) {
  std::size_t d = 0;
  while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
  if (d == 0 || d + 1 >= s.size() || s[d] != '_') return std::nullopt;
  return std::pair{std::string(s.substr(0, d)), std::string(s.substr(d + 1))};
}

// What a .sql file's name says it is; nullopt (after a problem, if one) when not a migration.
std::optional<Candidate> classify_name(const fs::path& path, Problems& problems) {
  const std::string file = path.filename().string();
  const std::string_view stem = std::string_view(file).substr(0, file.size() - 4);  // without ".sql"

  if (file.rfind("R__", 0) == 0) {
    problems.add(path,
                 "Flyway repeatable migrations (R__) are not supported — apply that SQL from a versioned "
                 "migration (V<n>__<name>.sql) or move the file out of the migrations directory");
    return std::nullopt;
  }
  if ((file[0] == 'V' || file[0] == 'U') && file.size() > 1 && std::isdigit(static_cast<unsigned char>(file[1]))) {
    auto sep = stem.find("__");
    if (sep != std::string_view::npos && sep + 2 < stem.size()) {
      std::string_view version = stem.substr(1, sep - 1);
      if (file[0] == 'U') {
        problems.add(path,
                     "Flyway undo migrations (U<n>__) are not supported — pgkit reads Flyway migrations as "
                     "up only; move the file out of the migrations directory");
        return std::nullopt;
      }
      if (!all_digits(version)) {
        problems.add(path, fmt::format("Flyway version {} is not a whole number — pgkit orders versions as numbers; "
                                       "renumber as V<n>__<name>.sql with digits only (keep the order)",
                                       version));
        return std::nullopt;
      }
      return Candidate{.path = path,
                       .version = std::string(version),
                       .name = std::string(stem.substr(sep + 2)),
                       .format = "flyway",
                       .key = std::string(stem)};
    }
  }
  auto vr = version_and_rest(stem);
  if (!vr) {
    problems.add(path, fmt::format("the name matches no migration format — {}", kAcceptedNames));
    return std::nullopt;
  }
  auto [version, rest] = *vr;
  Candidate c{.path = path, .version = version, .name = rest};
  auto cut = [&](std::string_view suffix) {
    if (!ends_with(rest, suffix) || rest.size() == suffix.size()) return false;
    c.name = rest.substr(0, rest.size() - suffix.size());
    c.key = version + "_" + c.name;
    return true;
  };
  if (cut(".up")) {
    c.format = "golang-migrate";
  } else if (cut(".down")) {
    c.format = "golang-migrate";
    c.role = Role::down;
  } else if (cut("-down")) {
    c.format = "split";  // unless no up file matches and it holds sections of its own (see resolve_downs)
    c.role = Role::down;
  } else {
    c.key = std::string(stem);
  }
  return c;
}

// Prisma: `<timestamp>_<name>/migration.sql`. Other directories are not migrations.
std::optional<Candidate> classify_directory(const fs::path& sub, Problems& problems) {
  std::error_code ec;
  fs::path file = sub / "migration.sql";
  if (!fs::exists(file, ec)) return std::nullopt;
  auto vr = version_and_rest(sub.filename().string());
  if (!vr) {
    problems.add(sub,
                 "holds a migration.sql, but a Prisma migration directory is named <timestamp>_<name> — "
                 "rename it (e.g. 20240101120000_init)");
    return std::nullopt;
  }
  return Candidate{
      .path = file, .version = vr->first, .name = vr->second, .format = "prisma", .key = sub.filename().string()};
}

bool ignored(const std::string& name) {
  return name.empty() || name[0] == '.' || ends_with(name, ".md") || ends_with(name, ".txt") || name == "schema.sql" ||
         name == "migration_lock.toml";
}

// Every candidate in dir, sorted by path, with its text read (unreadable ones are problems).
std::vector<Candidate> candidates(const fs::path& dir, Problems& problems) {
  std::vector<fs::directory_entry> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) {
    throw MigrationError({.message = fmt::format("cannot list migrations directory {}: {}", dir.string(), ec.message()),
                          .hint = "check the directory's permissions"});
  }
  std::sort(entries.begin(), entries.end());

  std::vector<Candidate> out;
  for (const auto& entry : entries) {
    const fs::path& path = entry.path();
    std::string name = path.filename().string();
    if (ignored(name)) continue;
    std::optional<Candidate> c;
    if (entry.is_directory(ec)) {
      c = classify_directory(path, problems);
    } else if (ends_with(name, ".sql")) {
      c = classify_name(path, problems);
    } else if (ends_with(name, ".go")) {
      problems.add(path,
                   "goose Go migrations are not supported — rewrite it as SQL (<version>_<name>.sql with "
                   "`-- +goose Up`) or move it out of the migrations directory");
    }
    if (!c) continue;
    auto text = detail::read_text(c->path, problems);
    if (text) c->text = std::move(*text);
    c->readable = text.has_value();
    out.push_back(std::move(*c));
  }
  return out;
}

// `<version>_<name>.sql` holds pgkit sections, goose annotations, or plain SQL (split format).
void decide_format(Candidate& c, Problems& problems) {
  bool native = detail::has_native_markers(c.text);
  bool goose = detail::has_goose_markers(c.text);
  if (native && goose) {
    problems.add(c.path, "has both `-- migrate:` lines (pgkit) and `-- +goose` annotations — keep one format");
    c.format.clear();
    return;
  }
  c.format = native ? "pgkit" : goose ? "goose" : "split";
}

struct Entry {
  Migration m;
  std::string key;
  bool ok = true;  // false: a problem was reported already; further checks would repeat it
};

Entry build(Candidate& c, Problems& problems) {
  Entry e;
  e.key = c.key;
  Migration& m = e.m;
  m.version = c.version;
  m.name = c.name;
  m.format = c.format;
  m.file = c.path;
  if (c.format == "pgkit") {
    e.ok = detail::parse_native(c.text, m, problems);
  } else if (c.format == "goose") {
    e.ok = detail::parse_goose(c.text, m, problems);
  } else {
    m.up_sql = std::move(c.text);
  }
  return e;
}

std::string name_in(const fs::path& file, const fs::path& dir) { return file.lexically_relative(dir).string(); }

// The marker a format uses for the down section, for messages.
std::string down_marker(const std::string& format) { return format == "goose" ? "-- +goose Down" : "-- migrate:down"; }

// unreadable: keys of up files that could not be read (a problem already); their down files
// are not orphans.
void attach_downs(std::vector<Candidate>& downs, std::vector<Entry>& ups, const std::set<std::string>& unreadable,
                  const fs::path& dir, Problems& problems) {
  std::map<std::string, Entry*> by_key;
  for (auto& e : ups) by_key.emplace(e.key, &e);
  for (auto& d : downs) {
    if (!d.readable || unreadable.count(d.key)) continue;
    std::string expected = d.key + (d.format == "golang-migrate" ? ".up.sql" : ".sql");
    auto it = by_key.find(d.key);
    if (it == by_key.end() || it->second->m.format != d.format) {
      if (it != by_key.end() && (it->second->m.format == "pgkit" || it->second->m.format == "goose")) {
        problems.add(d.path, fmt::format("is a separate down file for {}, which holds its own sections ({} format) — "
                                         "move this SQL under `{}` in {} and delete this file",
                                         expected, it->second->m.format, down_marker(it->second->m.format), expected));
      } else {
        problems.add(d.path, fmt::format("is a down migration without its up file {} — add the up file, or delete "
                                         "this one",
                                         name_in(dir / expected, dir)));
      }
      continue;
    }
    Migration& m = it->second->m;
    m.down_file = d.path;
    if (detail::has_sql(d.text)) m.down_sql = std::move(d.text);
    m.down_first_line = 1;
  }
}

void check_empty_up(const Entry& e, Problems& problems) {
  if (!e.ok || detail::has_sql(e.m.up_sql)) return;
  const Migration& m = e.m;
  if (m.format == "pgkit" || m.format == "goose") {
    std::string marker = m.format == "goose" ? "-- +goose Up" : "-- migrate:up";
    problems.add(m.file, fmt::format("the `{}` section (from line {}) has no SQL — add the migration's SQL below `{}`",
                                     marker, m.up_first_line, marker));
  } else {
    problems.add(m.file, "has no SQL — add the migration's SQL, or delete the file");
  }
}

// One format per directory. The likely slip — a pgkit or goose file missing its markers, so
// that it reads as a plain split-format file — gets a message of its own on that file.
void check_one_format(std::vector<Entry>& ups, const fs::path& dir, Problems& problems) {
  std::map<std::string, std::vector<Entry*>> by_format;
  std::vector<std::string> order;
  for (auto& e : ups) {
    if (e.m.format.empty()) continue;
    auto& list = by_format[e.m.format];
    if (list.empty()) order.push_back(e.m.format);
    list.push_back(&e);
  }
  if (by_format.size() < 2) return;

  if (by_format.size() == 2 && by_format.count("split")) {
    const std::string& other = order[0] == "split" ? order[1] : order[0];
    const auto& splits = by_format["split"];
    bool split_downs = std::any_of(splits.begin(), splits.end(), [](Entry* e) { return e->m.down_file.has_value(); });
    if ((other == "pgkit" || other == "goose") && !split_downs && splits.size() <= by_format[other].size()) {
      std::string marker = other == "goose" ? "-- +goose Up" : "-- migrate:up";
      for (Entry* e : splits) {
        problems.add(e->m.file, fmt::format("has no `{}` line, but the other migrations here use {}'s format (e.g. {}) "
                                            "— add `{}` above its SQL (and `{}` above the rollback, if any)",
                                            marker, other, name_in(by_format[other].front()->m.file, dir), marker,
                                            down_marker(other)));
        e->ok = false;
      }
      return;
    }
  }
  std::string list;
  for (const auto& format : order)
    list += fmt::format("{}{} (e.g. {})", list.empty() ? "" : ", ", format,
                        name_in(by_format[format].front()->m.file, dir));
  problems.add(dir, fmt::format("mixes migration formats: {} — keep one format per directory: convert the odd files, "
                                "or move them to a directory of their own",
                                list));
}

void check_duplicates(std::vector<Entry>& ups, const fs::path& dir, Problems& problems) {
  for (std::size_t i = 1; i < ups.size(); ++i) {
    const Migration& a = ups[i - 1].m;
    const Migration& b = ups[i].m;
    if (compare_versions(a.version, b.version) != 0) continue;
    problems.add(b.file, fmt::format("has version {}, the same as {} (version {}) — give each migration a version of "
                                     "its own (versions compare as numbers: \"001\" and \"1\" are the same)",
                                     b.version, name_in(a.file, dir), a.version));
  }
}

}  // namespace

std::vector<Migration> read_directory(const fs::path& dir) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    throw MigrationError(
        {.message = fmt::format("migrations directory {} not found — create it or pass --dir", dir.string())});
  }
  if (!fs::is_directory(status)) {
    throw MigrationError({.message = fmt::format("migrations directory {} is not a directory — pass the directory "
                                                 "that holds the migration files with --dir",
                                                 dir.string())});
  }

  Problems problems;
  auto found = candidates(dir, problems);

  std::set<std::string> up_keys, unreadable;
  for (auto& c : found) {
    if (c.role == Role::up && c.format.empty()) up_keys.insert(c.key);
    if (c.role == Role::up && !c.readable) unreadable.insert(c.key);
  }

  std::vector<Entry> ups;
  std::vector<Candidate> downs;
  for (auto& c : found) {
    if (!c.readable && c.role == Role::up) continue;
    // `001_x-down.sql` with no `001_x.sql` may be a migration of its own whose name ends in
    // "-down" (pgkit or goose sections inside); otherwise it is an orphan down file.
    if (c.role == Role::down && c.format == "split" && !up_keys.count(c.key) &&
        (detail::has_native_markers(c.text) || detail::has_goose_markers(c.text))) {
      c.role = Role::up;
      c.format.clear();
      c.name += "-down";
      c.key += "-down";
    }
    if (c.role == Role::down) {
      downs.push_back(std::move(c));
      continue;
    }
    if (c.format.empty()) decide_format(c, problems);
    if (c.format.empty()) continue;
    ups.push_back(build(c, problems));
  }
  attach_downs(downs, ups, unreadable, dir, problems);

  std::sort(ups.begin(), ups.end(), [](const Entry& a, const Entry& b) {
    int order = compare_versions(a.m.version, b.m.version);
    return order != 0 ? order < 0 : a.m.file < b.m.file;
  });
  check_one_format(ups, dir, problems);
  check_duplicates(ups, dir, problems);
  for (const auto& e : ups) check_empty_up(e, problems);
  problems.throw_if_any(dir);

  std::vector<Migration> out;
  out.reserve(ups.size());
  for (auto& e : ups) {
    e.m.checksum = checksum(e.m.up_sql);
    out.push_back(std::move(e.m));
  }
  return out;
}

int compare_versions(const std::string& a, const std::string& b) {
  std::string_view x = a, y = b;
  while (!x.empty() && x.front() == '0') x.remove_prefix(1);
  while (!y.empty() && y.front() == '0') y.remove_prefix(1);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  int c = x.compare(y);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string checksum(const std::string& text) {
  std::string normalized;
  normalized.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    normalized += text[i];
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(normalized.data(), normalized.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw MigrationError(
        {.message = "SHA-256 of a migration failed (OpenSSL's EVP_Digest)", .hint = "check the OpenSSL installation"});
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace pgkit::migrate
