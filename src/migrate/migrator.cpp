// Migrator: up, down, redo, reset, status, resolve, verify.
#include "pgkit/migrator.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "migrate/engine_internal.hpp"
#include "pgkit/error.hpp"

namespace pgkit::migrate {
namespace {

std::string ms_text(Millis ms) { return fmt::format("{} ms", ms.count()); }

Millis since(Clock::time_point t) { return std::chrono::duration_cast<Millis>(Clock::now() - t); }

const Migration* find(const std::vector<Migration>& files, const std::string& version) {
  for (const auto& m : files)
    if (compare_versions(m.version, version) == 0) return &m;
  return nullptr;
}

}  // namespace

const char* to_string(State s) {
  switch (s) {
    case State::applied: return "applied";
    case State::pending: return "pending";
    case State::missing_file: return "file missing";
    case State::changed: return "changed since applied";
    case State::out_of_order: return "pending, out of order";
    case State::failed: return "failed";
    case State::running: return "interrupted";
  }
  return "?";
}

Migrator::Migrator(const Config& config, Options options)
    : options_(std::move(options)),
      prisma_(options_.table == kPrismaTable || options_.table.ends_with(std::string(".") + kPrismaTable)),
      table_(quoted_table(options_.table)) {
  Config session = config;
  session.pool.slow_query = Millis{0};  // migrations are slow by nature; progress lines give their times
  conn_ = std::make_unique<Connection>(session);
  search_path_ = config.search_path;
  conn_->execute("SET application_name = 'pgkit migrate'");
  // If this process dies mid-migration, the server notices within a second, rolls back and
  // frees the lock, instead of waiting for the statement to end.
  conn_->execute("SET client_connection_check_interval = '1s'");
}

Migrator::~Migrator() = default;

void Migrator::say(const std::string& line) const {
  if (options_.progress) options_.progress(line);
}

void Migrator::check_blocked(const std::vector<StatusEntry>& rows) {
  for (const auto& r : rows) {
    if (r.state != State::failed && r.state != State::running) continue;
    if (prisma_) {
      // Prisma's P3009, in its terms: the failed row blocks everything until resolved.
      std::string name = r.version + "_" + r.name;
      throw MigrationError(
          {.message = fmt::format("migrate found failed migrations in the target database, new migrations will not be "
                                  "applied: the `{}` migration ({}) failed{}",
                                  name, r.file.empty() ? "(file gone)" : r.file, r.error.empty() ? "" : "\n" + r.error),
           .hint =
               fmt::format("undo what it did and run `pgkit migrate resolve --rolled-back {0}`, or finish it by hand "
                           "and run `pgkit migrate resolve --applied {0}`",
                           name)});
    }
    throw MigrationError(
        {.message = fmt::format("migration {} ({}) {} outside a transaction{}; nothing more is applied until it is "
                                "resolved",
                                r.version, r.file.empty() ? r.name : r.file,
                                r.state == State::failed ? "failed" : "was interrupted",
                                r.error.empty() ? "" : ": " + r.error),
         .hint = fmt::format("finish or undo its changes by hand, then run `pgkit migrate resolve {} --applied` (its "
                             "changes are in place) or `--rolled-back` (they are not)",
                             r.version)});
  }
}

std::vector<StatusEntry> Migrator::status() { return entries(read_directory(options_.dir), load_applied(false)); }

std::vector<StatusEntry> Migrator::recorded() {
  std::vector<StatusEntry> out = entries({}, load_applied(false));
  // No file was looked for, so a row recorded as applied is applied, not missing its file.
  for (auto& e : out)
    if (e.state == State::missing_file) e.state = State::applied;
  return out;
}

bool Migrator::tracking_table_exists() {
  return conn_->query("SELECT to_regclass($1) IS NOT NULL", table_).scalar<bool>();
}

std::vector<StatusEntry> Migrator::entries(const std::vector<Migration>& files, const std::vector<Applied>& applied) {
  std::vector<StatusEntry> out;
  std::string newest_applied;
  for (const auto& a : applied) {
    StatusEntry e{.version = a.version,
                  .name = a.name,
                  .applied_at = a.applied_at,
                  .execution_ms = a.execution_ms,
                  .applied_by = a.applied_by,
                  .error = a.error};
    const Migration* m = find(files, a.version);
    if (m) e.file = m->file.string();
    if (a.status == "failed")
      e.state = State::failed;
    else if (a.status == "running")
      e.state = State::running;
    else if (!m)
      e.state = State::missing_file;
    else if (m->checksum != a.checksum)
      e.state = State::changed;
    else
      e.state = State::applied;
    if (a.status == "applied") newest_applied = a.version;
    out.push_back(std::move(e));
  }
  for (const auto& m : files) {
    bool known = false;
    for (const auto& a : applied) known = known || compare_versions(a.version, m.version) == 0;
    if (known) continue;
    bool older = !newest_applied.empty() && compare_versions(m.version, newest_applied) < 0;
    out.push_back({.version = m.version,
                   .name = m.name,
                   .state = older ? State::out_of_order : State::pending,
                   .file = m.file.string()});
  }
  std::sort(out.begin(), out.end(), [](auto& x, auto& y) { return compare_versions(x.version, y.version) < 0; });
  return out;
}

RunReport Migrator::up(std::optional<int> count) {
  auto started = Clock::now();
  auto files = read_directory(options_.dir);  // a bad directory stops everything before any change
  Lock lock =
      prisma_ ? Lock(*conn_, kPrismaLockKey, options_.lock_timeout) : Lock(*conn_, table_, options_.lock_timeout);
  if (!options_.dry_run) ensure_table();
  auto rows = entries(files, load_applied(false));
  check_blocked(rows);
  std::vector<std::string> drift, out_of_order;
  for (const auto& r : rows) {
    if (r.state == State::changed) drift.push_back(fmt::format("{} ({})", r.version, r.file));
    if (r.state == State::out_of_order) out_of_order.push_back(fmt::format("{} ({})", r.version, r.file));
  }
  if (!drift.empty() && !options_.allow_drift)
    throw MigrationError(
        {.message = fmt::format("applied migrations were edited since they were applied: {}", fmt::join(drift, ", ")),
         .hint = "restore the files as applied and add a new migration for the change, or pass "
                 "--allow-drift if the edit is cosmetic"});
  if (!out_of_order.empty() && !options_.allow_out_of_order)
    throw MigrationError({.message = fmt::format("pending migrations are older than the newest applied one: {}",
                                                 fmt::join(out_of_order, ", ")),
                          .hint = "renumber them after the newest applied migration, or pass --allow-out-of-order"});
  RunReport report;
  int limit = count.value_or(1 << 30);
  for (const auto& r : rows) {
    if (r.state != State::pending && r.state != State::out_of_order) continue;
    if (limit-- <= 0) break;
    const Migration& m = *find(files, r.version);
    if (prisma_)
      apply_prisma(m, report);
    else
      apply(m, report);
  }
  report.elapsed = since(started);
  say(report.versions.empty()
          ? "nothing to apply: the database is up to date"
          : fmt::format("applied {} migration(s) in {}", report.versions.size(), ms_text(report.elapsed)));
  return report;
}

RunReport Migrator::down(int count) {
  auto started = Clock::now();
  auto files = read_directory(options_.dir);
  Lock lock =
      prisma_ ? Lock(*conn_, kPrismaLockKey, options_.lock_timeout) : Lock(*conn_, table_, options_.lock_timeout);
  auto rows = entries(files, load_applied(false));
  check_blocked(rows);
  RunReport report;
  for (auto it = rows.rbegin(); it != rows.rend() && count > 0; ++it) {
    if (it->state == State::pending || it->state == State::out_of_order) continue;
    const Migration* m = find(files, it->version);
    if (!m)
      throw MigrationError(
          {.message = fmt::format("migration {} is applied but its file is gone: cannot roll it back", it->version),
           .hint = "restore the file, or `pgkit migrate resolve VERSION --rolled-back` after undoing "
                   "it by hand"});
    revert(*m, report);
    --count;
  }
  report.elapsed = since(started);
  say(fmt::format("rolled back {} migration(s) in {}", report.versions.size(), ms_text(report.elapsed)));
  return report;
}

RunReport Migrator::redo() {
  RunReport down_report = down(1);
  RunReport up_report = up(1);
  down_report.versions.insert(down_report.versions.end(), up_report.versions.begin(), up_report.versions.end());
  down_report.sql.insert(down_report.sql.end(), up_report.sql.begin(), up_report.sql.end());
  down_report.elapsed += up_report.elapsed;
  return down_report;
}

RunReport Migrator::reset() {
  RunReport all = down(1 << 30);
  RunReport again = up();
  all.versions.insert(all.versions.end(), again.versions.begin(), again.versions.end());
  all.elapsed += again.elapsed;
  return all;
}

void Migrator::resolve(const std::string& version, bool applied) {
  auto files = read_directory(options_.dir);
  if (prisma_) {
    Lock lock(*conn_, kPrismaLockKey, options_.lock_timeout);
    resolve_prisma(files, version, applied);
    return;
  }
  Lock lock =
      prisma_ ? Lock(*conn_, kPrismaLockKey, options_.lock_timeout) : Lock(*conn_, table_, options_.lock_timeout);
  ensure_table();
  if (!applied) {
    // Versions compare as numbers: "1" resolves a row recorded as "001".
    std::int64_t n = 0;
    for (const auto& a : load_applied(true))
      if (compare_versions(a.version, version) == 0)
        n += conn_->query(fmt::format("DELETE FROM {} WHERE version = $1", table_), a.version).affected_rows();
    say(n ? fmt::format("{} marked as rolled back", version)
          : fmt::format("{} was not recorded: nothing to do", version));
    return;
  }
  const Migration* m = find(files, version);
  if (!m)
    throw MigrationError({.message = fmt::format("no migration file has version {}", version),
                          .hint = "check the version with `pgkit migrate status`"});
  conn_->query(fmt::format("INSERT INTO {} (version, name, checksum, status) VALUES ($1, $2, $3, 'applied') "
                           "ON CONFLICT (version) DO UPDATE SET status = 'applied', checksum = EXCLUDED.checksum, "
                           "error = NULL",
                           table_),
               m->version, m->name, m->checksum);
  say(fmt::format("{} marked as applied", version));
}

std::string Migrator::dump_schema() { return migrate::dump_schema(*conn_, options_.table); }

std::vector<std::string> Migrator::verify(const std::optional<std::filesystem::path>& schema_file) {
  std::vector<std::string> findings;
  for (const auto& r : status()) {
    switch (r.state) {
      case State::applied: break;
      case State::changed:
        findings.push_back(fmt::format("{} ({}): edited since it was applied (checksum differs)", r.version, r.file));
        break;
      case State::missing_file:
        findings.push_back(fmt::format("{} ({}): applied, but its file is gone", r.version, r.name));
        break;
      default:
        findings.push_back(fmt::format("{} ({}): {}", r.version, r.file.empty() ? r.name : r.file, to_string(r.state)));
    }
  }
  if (schema_file && std::filesystem::exists(*schema_file)) {
    std::ifstream in(*schema_file, std::ios::binary);
    std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto& d : diff_schema(expected, dump_schema()))
      findings.push_back(fmt::format("schema differs from {}: {}", schema_file->string(), d));
  }
  return findings;
}

}  // namespace pgkit::migrate
