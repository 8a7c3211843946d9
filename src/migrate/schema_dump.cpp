// dump_schema: a deterministic snapshot of a database's schema, read from the catalog.
//
// Deparsing is left to the server (format_type, pg_get_expr, pg_get_constraintdef,
// pg_get_indexdef, pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef), with the session
// settings that change its output pinned, as pg_dump does. Ordering is done here, byte-wise,
// never by the database's collation, so two databases with different locales agree.
// The text is for review and for diff_schema, not a restore script: objects are ordered by
// kind and name, not by dependency.
#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "migrate/schema_text.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrate.hpp"

namespace pgkit::migrate {
namespace {

using schema_text::kIndent;
using schema_text::Object;
using schema_text::split_lines;
using schema_text::terminate;

// Settings that change what the deparsing functions print, pinned for the dump (pg_dump pins
// the same): an empty search_path makes every name schema-qualified; the others fix how
// constants in defaults and checks are printed (timestamps, intervals, floats, bytea).
constexpr std::array<std::pair<const char*, const char*>, 6> kPinnedSettings = {{
    {"search_path", ""},
    {"DateStyle", "ISO"},
    {"IntervalStyle", "postgres"},
    {"TimeZone", "UTC"},
    {"extra_float_digits", "3"},
    {"bytea_output", "hex"},
}};

// Pins kPinnedSettings for its lifetime. Outside a transaction it opens a read-only
// repeatable-read one (one snapshot for every query) and rolls it back at the end; inside the
// caller's transaction it sets them locally and puts the caller's values back.
class PinnedSession {
 public:
  using Values = std::array<std::string, kPinnedSettings.size()>;

  explicit PinnedSession(Connection& conn) : conn_(conn) {
    if (conn_.transaction_status() == TxStatus::idle) {
      conn_.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      own_transaction_ = true;
    } else {
      saved_ = current();
    }
    Values pinned;
    for (std::size_t i = 0; i < pinned.size(); ++i) pinned[i] = kPinnedSettings[i].second;
    set(pinned);
  }
  ~PinnedSession() {
    try {
      if (own_transaction_) conn_.execute("ROLLBACK");  // read only: nothing to keep
      else set(saved_);
    } catch (...) {
      // A broken connection or an aborted caller transaction: either way the settings were
      // local to a transaction that does not go on.
    }
  }
  PinnedSession(const PinnedSession&) = delete;
  PinnedSession& operator=(const PinnedSession&) = delete;

 private:
  Values current() {
    Params params;
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < kPinnedSettings.size(); ++i) {
      params.add(kPinnedSettings[i].first);
      sql += fmt::format("{}current_setting(${}::text)", i ? ", " : "", i + 1);
    }
    auto row = conn_.run(QueryOptions{}, sql, params).one();
    Values values;
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = row.get<std::string>(static_cast<int>(i));
    return values;
  }
  // Transaction-local (set_config's third argument), so nothing outlives the transaction.
  void set(const Values& values) {
    Params params;
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < values.size(); ++i) {
      params.add(kPinnedSettings[i].first);
      params.add(values[i]);
      sql += fmt::format("{}set_config(${}::text, ${}::text, true)", i ? ", " : "", 2 * i + 1, 2 * i + 2);
    }
    conn_.run(QueryOptions{}, sql, params);
  }

  Connection& conn_;
  bool own_transaction_ = false;
  Values saved_;
};

// Schemas whose non-relation objects are dumped (n: pg_namespace).
constexpr const char* kUserSchema =
    "n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(toast|temp)'";

// "Not made by CREATE EXTENSION" for an object of catalog with oid (the extension's own line
// stands for it).
std::string not_from_extension(const char* catalog, const char* oid) {
  return fmt::format("NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{}'::regclass AND x.objid = {} "
                     "AND x.deptype = 'e')",
                     catalog, oid);
}

// The objects of the dump, and the tables among them by name (for columns and constraints).
struct Snapshot {
  std::vector<Object> objects;

  Object& add(std::string kind, std::string name, std::vector<std::string> lines = {}, std::string sort_key = {}) {
    if (sort_key.empty()) sort_key = name;
    objects.push_back({std::move(kind), std::move(name), std::move(lines), std::move(sort_key)});
    return objects.back();
  }
};

void dump_extensions_and_schemas(Connection& conn, Snapshot& out) {
  // Extensions in pg_catalog (plpgsql) come with every database.
  for (auto row : conn.query("SELECT quote_ident(x.extname), quote_ident(n.nspname) FROM pg_extension x "
                             "JOIN pg_namespace n ON n.oid = x.extnamespace WHERE n.nspname <> 'pg_catalog'")) {
    auto name = row.get<std::string>(0);
    out.add("extension", name,
            {fmt::format("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};", name, row.get<std::string>(1))});
  }
  for (auto row : conn.query(fmt::format("SELECT quote_ident(n.nspname) FROM pg_namespace n WHERE {} AND {}",
                                         kUserSchema, not_from_extension("pg_namespace", "n.oid")))) {
    auto name = row.get<std::string>(0);
    out.add("schema", name, {fmt::format("CREATE SCHEMA {};", name)});
  }
}

void dump_enums_and_domains(Connection& conn, Snapshot& out) {
  std::map<std::string, std::vector<std::string>> labels;  // enum → quoted labels, in sort order
  for (auto row : conn.query(fmt::format(
           "SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname), quote_literal(e.enumlabel) "
           "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_enum e ON e.enumtypid = t.oid "
           "WHERE t.typtype = 'e' AND {} AND {} ORDER BY t.oid, e.enumsortorder",
           kUserSchema, not_from_extension("pg_type", "t.oid")))) {
    auto& l = labels[row.get<std::string>(0)];
    if (auto label = row.get<std::optional<std::string>>(1)) l.push_back(std::string(kIndent) + *label);
  }
  for (auto& [name, l] : labels) {
    for (std::size_t i = 0; i + 1 < l.size(); ++i) l[i] += ',';
    std::vector<std::string> lines{fmt::format("CREATE TYPE {} AS ENUM (", name)};
    lines.insert(lines.end(), l.begin(), l.end());
    lines.push_back(");");
    out.add("enum", name, std::move(lines));
  }

  std::map<std::string, std::vector<std::string>> checks;  // domain → CONSTRAINT lines
  for (auto row : conn.query(fmt::format(
           "SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname), quote_ident(k.conname), "
           "pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid "
           "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE k.contype = 'c' AND {} AND {}",
           kUserSchema, not_from_extension("pg_type", "t.oid")))) {
    checks[row.get<std::string>(0)].push_back(
        fmt::format("{}CONSTRAINT {} {}", kIndent, row.get<std::string>(1), row.get<std::string>(2)));
  }
  for (auto row : conn.query(fmt::format(
           "SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname), format_type(t.typbasetype, t.typtypmod), "
           "CASE WHEN t.typcollation <> b.typcollation THEN "
           "  (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END "
           "          || quote_ident(co.collname) "
           "   FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) "
           "END, t.typdefault, t.typnotnull "
           "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype "
           "WHERE t.typtype = 'd' AND {} AND {}",
           kUserSchema, not_from_extension("pg_type", "t.oid")))) {
    auto name = row.get<std::string>(0);
    std::vector<std::string> lines{fmt::format("CREATE DOMAIN {} AS {}", name, row.get<std::string>(1))};
    if (auto collation = row.get<std::optional<std::string>>(2)) lines.back() += " COLLATE " + *collation;
    if (auto def = row.get<std::optional<std::string>>(3)) lines.push_back(fmt::format("{}DEFAULT {}", kIndent, *def));
    if (row.get<bool>(4)) lines.push_back(fmt::format("{}NOT NULL", kIndent));
    auto& c = checks[name];
    std::sort(c.begin(), c.end());
    lines.insert(lines.end(), c.begin(), c.end());
    terminate(lines);
    out.add("domain", name, std::move(lines));
  }
}

// Standalone sequences and those behind serial columns; identity sequences belong to their
// column, and sequences owned by a table left out (the tracking table) are left out too.
void dump_sequences(Connection& conn, const std::string& schema, const std::string& table, Snapshot& out) {
  auto rows = conn.query(std::string(schema_text::kRelations) + R"(
SELECT r.qname, format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text, s.seqmin::text,
       s.seqmax::text, s.seqcache::text, s.seqcycle,
       (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.relname) || '.' || quote_ident(a.attname)
        FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
          AND d.deptype = 'a' LIMIT 1)
FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
WHERE r.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                  AND d.refclassid = 'pg_class'::regclass
                  AND (d.deptype = 'i' OR (d.deptype = 'a' AND d.refobjid NOT IN (SELECT oid FROM rels)))))",
                         schema, table);
  for (auto row : rows) {
    auto name = row.get<std::string>(0);
    std::vector<std::string> lines{
        "CREATE SEQUENCE " + name,
        fmt::format("{}AS {}", kIndent, row.get<std::string>(1)),
        fmt::format("{}START WITH {}", kIndent, row.get<std::string>(2)),
        fmt::format("{}INCREMENT BY {}", kIndent, row.get<std::string>(3)),
        fmt::format("{}MINVALUE {}", kIndent, row.get<std::string>(4)),
        fmt::format("{}MAXVALUE {}", kIndent, row.get<std::string>(5)),
        fmt::format("{}CACHE {}", kIndent, row.get<std::string>(6)),
        fmt::format("{}{};", kIndent, row.get<bool>(7) ? "CYCLE" : "NO CYCLE"),
    };
    if (auto owner = row.get<std::optional<std::string>>(8))
      lines.push_back(fmt::format("ALTER SEQUENCE {} OWNED BY {};", name, *owner));
    out.add("sequence", name, std::move(lines));
  }
}

void dump_functions(Connection& conn, Snapshot& out) {
  // Aggregates and window functions have no pg_get_functiondef; functions of extensions are
  // the extension's.
  for (auto row : conn.query(fmt::format(
           "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, "
           "quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || "
           "pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid) "
           "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
           "WHERE p.prokind IN ('f', 'p') AND {} AND {}",
           kUserSchema, not_from_extension("pg_proc", "p.oid")))) {
    auto lines = split_lines(row.get<std::string>(2));
    terminate(lines);
    out.add(row.get<std::string>(0), row.get<std::string>(1), std::move(lines));
  }
}

}  // namespace

std::string dump_schema(Connection& conn, const std::string& tracking_table) {
  // "app.migrations" names one table; a bare "pgkit_migrations" one in any schema.
  auto dot = tracking_table.find('.');
  std::string schema = dot == std::string::npos ? "" : tracking_table.substr(0, dot);
  std::string table = dot == std::string::npos ? tracking_table : tracking_table.substr(dot + 1);

  Snapshot snapshot;
  {
    PinnedSession pinned(conn);
    dump_extensions_and_schemas(conn, snapshot);
    dump_enums_and_domains(conn, snapshot);
    dump_sequences(conn, schema, table, snapshot);
    dump_functions(conn, snapshot);
    schema_text::dump_relations(conn, schema, table, snapshot.objects);
  }

  auto& objects = snapshot.objects;
  std::sort(objects.begin(), objects.end(), [](const Object& a, const Object& b) {
    auto ka = schema_text::kind_rank(a.kind), kb = schema_text::kind_rank(b.kind);
    return std::tie(ka, a.sort_key, a.name) < std::tie(kb, b.sort_key, b.name);
  });
  std::string text = "-- Schema snapshot written by pgkit (dump_schema): regenerate it, don't edit it.\n";
  for (const auto& o : objects) {
    text += fmt::format("\n-- {} {}\n", o.kind, o.name);
    for (const auto& line : o.lines) (text += line) += '\n';
  }
  return text;
}

}  // namespace pgkit::migrate
