#pragma once
/// @file catalog.hpp
/// A database schema as a plain value: what `migrate dump-schema` and `verify` read from a live
/// database, what a `schema.prisma` describes, and what a migrations directory produces once
/// applied. One type for all of them, so one engine diffs any two (catalog_diff.hpp), and the
/// client generator and the studio read the same tables, columns and relations.
///
/// Names are kept unquoted, exactly as the catalog stores them ("User", not "\"User\"").
/// Server-deparsed text (types, defaults, constraint and index definitions) is kept as the
/// server prints it with an empty search_path, so every name in it is schema-qualified.
///
/// @code
///   pgkit::Connection conn(config);
///   pgkit::catalog::Catalog live = pgkit::catalog::describe(conn);
///   for (const auto& t : live.tables) std::cout << t.name << ": " << t.columns.size() << " columns\n";
/// @endcode

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgkit {
class Connection;
}

namespace pgkit::catalog {

/// A column's type. Builtin types are in schema "pg_catalog" with their internal name
/// ("int4", "varchar", "timestamptz"); `sql` is how format_type() spells the whole type.
struct Type {
  std::string schema = "pg_catalog";
  std::string name;       ///< pg_type.typname of the element type: "int4", "varchar", "UserRole"
  std::vector<int> args;  ///< declared modifiers: varchar(255) → {255}, numeric(10,2) → {10,2}, timestamp(3) → {3}
  int dimensions = 0;     ///< 1 for text[] (the server keeps no more: int[][] is described as 1)
  std::string sql;        ///< format_type's spelling: "character varying(255)", "public.\"UserRole\"[]"

  bool builtin() const { return schema == "pg_catalog"; }
  bool operator==(const Type&) const = default;
};

/// What kind of value a default produces. Prisma's four kinds: a literal, now(), a sequence
/// (autoincrement), and anything else as an expression the database evaluates (dbgenerated).
enum class DefaultKind { value, now, sequence, expression };

struct Default {
  DefaultKind kind = DefaultKind::expression;
  /// The SQL as pg_get_expr() prints it for a described catalog ("'USER'::public.\"UserRole\"",
  /// "nextval('public.\"Post_id_seq\"'::regclass)"); as pgkit renders it for a calculated one.
  std::string expression;
  /// value: the literal's text without quotes or cast ("USER", "-5", "true", "{a,b}" for arrays);
  /// sequence: the sequence's name, unqualified; now and expression: empty. A described default
  /// is classified as Prisma's describer classifies it, by the column's type: 'abc'::text on a
  /// uuid column, or now() on a text column, is an expression.
  std::string value;
  bool operator==(const Default&) const = default;
};

/// GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY, with its sequence's options as written
/// after it ("(START WITH 100 …)" when not the defaults).
struct Identity {
  bool always = false;
  std::string options;
  bool operator==(const Identity&) const = default;
};

struct Column {
  std::string name;
  Type type;
  bool not_null = false;
  std::optional<Default> default_value;
  std::string collation;  ///< quoted, qualified unless in pg_catalog; "" = the type's own
  std::optional<Identity> identity;
  std::string generated;  ///< GENERATED ALWAYS AS (…) STORED: the expression; "" = not generated
  std::string comment;    ///< COMMENT ON COLUMN; "" = none
  bool operator==(const Column&) const = default;
};

/// One key part of an index: a column, or an expression in parentheses.
struct IndexKey {
  std::string column;      ///< the column's name; "" when expression is set
  std::string expression;  ///< for an expression index, as the server prints it
  bool descending = false;
  std::optional<bool> nulls_first;  ///< set only when not the default for the direction
  std::string opclass;              ///< "" when the default for the type; else e.g. "jsonb_path_ops"
  std::string collation;            ///< COLLATE of the key when not the column's, as printed ("\"C\""); "" = none
  std::string exclude_operator;     ///< an exclusion constraint's operator for this key ("&&"); "" otherwise
  // Only a schema.prisma sets these; they change how the SQL is written, not what it builds.
  bool explicit_order = false;   ///< `sort: Asc` was written: Prisma writes ASC too
  bool default_opclass = false;  ///< opclass names the type's default class (`ops: ArrayOps`): equal to none
  /// The operator class the index really has: "" when it is the type's default.
  const std::string& effective_opclass() const {
    static const std::string none;
    return default_opclass ? none : opclass;
  }
  bool operator==(const IndexKey&) const = default;
};

/// A primary key, a unique constraint, or an index (unique or not) not backing a constraint.
struct Index {
  enum class Kind { primary_key, unique_constraint, unique, plain, exclusion };
  std::string name;
  Kind kind = Kind::plain;
  std::string method = "btree";  ///< btree, hash, gist, gin, spgist, brin
  std::vector<IndexKey> keys;
  std::vector<std::string> include;  ///< INCLUDE (…) columns
  std::string predicate;             ///< partial index WHERE, as the server prints it; "" = none
  std::string options;               ///< WITH (…) storage parameters; "" = none
  bool nulls_not_distinct = false;
  /// The server's own text: pg_get_indexdef() for indexes, pg_get_constraintdef() for
  /// constraints. Empty in a calculated catalog: renderers build it from the fields above.
  std::string definition;

  bool is_unique() const { return kind != Kind::plain && kind != Kind::exclusion; }
  bool is_constraint() const {
    return kind == Kind::primary_key || kind == Kind::unique_constraint || kind == Kind::exclusion;
  }
  bool operator==(const Index&) const = default;
};

/// What happens to referencing rows when the referenced row is deleted or updated.
enum class Action { no_action, restrict, cascade, set_null, set_default };

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  std::string referenced_schema;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  Action on_delete = Action::no_action;
  Action on_update = Action::no_action;
  std::string definition;  ///< pg_get_constraintdef(), "" in a calculated catalog
  bool operator==(const ForeignKey&) const = default;
};

/// A CHECK constraint (NOT NULL is the column's).
struct Check {
  std::string name;
  std::string definition;  ///< pg_get_constraintdef(): "CHECK ((age >= 0))"
  bool operator==(const Check&) const = default;
};

struct Table {
  std::string schema = "public";
  std::string name;
  /// Everything of the CREATE line after the column list that is not a constraint:
  /// " PARTITION BY RANGE (at)", " WITH (fillfactor=70)"; and "UNLOGGED " / partition-of text.
  std::string create_prefix;  ///< "" or "UNLOGGED "
  std::string create_suffix;
  std::string attach;           ///< for a partition: the ATTACH PARTITION line
  std::vector<Column> columns;  ///< in attnum order
  std::vector<Index> indexes;   ///< the primary key first, then by name
  std::vector<ForeignKey> foreign_keys;
  std::vector<Check> checks;
  std::string comment;

  const Column* column(const std::string& name) const;
  const Index* primary_key() const;
  bool operator==(const Table&) const = default;
};

struct Enum {
  std::string schema = "public";
  std::string name;
  std::vector<std::string> values;  ///< in sort order
  bool operator==(const Enum&) const = default;
};

struct Extension {
  std::string name;
  std::string schema = "public";
  std::string version;  ///< "" = whichever the server has
  bool operator==(const Extension&) const = default;
};

struct Sequence {
  std::string schema = "public";
  std::string name;
  std::string type = "bigint";
  std::int64_t start = 1, increment = 1, min = 1, max = 9223372036854775807, cache = 1;
  bool cycle = false;
  std::string owned_by;  ///< "table.column" when owned by a column (serial); "" = none
  bool operator==(const Sequence&) const = default;
};

/// An object pgkit keeps as the server prints it and compares as text: a function, procedure,
/// view, materialized view, trigger, domain, composite type, or an index on a materialized view.
struct Opaque {
  std::string kind;  ///< "function", "procedure", "view", "materialized view", "trigger", "domain", "type", "index"
  std::string schema;
  std::string name;                ///< a function's name with its argument types; a trigger's "name on table"
  std::vector<std::string> lines;  ///< its SQL, one entry a line
  bool operator==(const Opaque&) const = default;
};

/// What a catalog can speak for. A schema.prisma knows tables, columns, keys, indexes, foreign
/// keys and enums, not functions or triggers: a diff leaves alone what either side cannot see.
enum class Source { database, prisma_schema };

struct Catalog {
  Source source = Source::database;
  std::vector<std::string> schemas;  ///< user schemas (public included when it exists)
  std::vector<Extension> extensions;
  std::vector<Enum> enums;
  std::vector<Sequence> sequences;  ///< standalone and serial sequences, not identity ones
  std::vector<Table> tables;
  std::vector<Opaque> others;

  const Table* table(const std::string& schema, const std::string& name) const;
  const Enum* enumeration(const std::string& schema, const std::string& name) const;
  bool operator==(const Catalog&) const = default;
};

/// What to leave out of a described catalog.
struct DescribeOptions {
  /// A migrations tracking table ("pgkit_migrations", "app.migrations", "_prisma_migrations"),
  /// left out with its sequences and indexes. Several may be given.
  std::vector<std::string> exclude_tables = {"pgkit_migrations", "_prisma_migrations"};
  /// Only these schemas; empty = every user schema.
  std::vector<std::string> schemas;
};

/// Read a live database's schema. Runs in one read-only repeatable-read snapshot (or inside the
/// caller's transaction), with the settings that change deparsed text pinned as pg_dump does.
Catalog describe(Connection& conn, const DescribeOptions& options = {});

/// The deterministic snapshot text of `migrate dump-schema`: objects by kind then name, byte
/// order, never the database's collation; the same bytes for the same schema every time. It
/// prints the server's text (definitions, expressions): meant for described catalogs.
std::string snapshot(const Catalog& catalog);

/// Read a snapshot written by snapshot() back into a catalog (for `migrate verify`):
/// read_snapshot(snapshot(c)) == c for a described catalog, structured fields included.
/// @throws pgkit::Error naming the line when the text is not such a snapshot
Catalog read_snapshot(const std::string& text);

/// PostgreSQL's quote_identifier(): double quotes only where needed (upper case, a keyword,
/// anything but [a-z0-9_$], a leading digit).
std::string quote_ident(const std::string& name);
/// "schema.name", each part quoted as needed.
std::string qualified(const std::string& schema, const std::string& name);
/// An opaque object's name as SQL writes it: `public.f(integer)`, `users_touch ON public.users`,
/// `public.active_users`.
std::string qualified(const Opaque& object);

}  // namespace pgkit::catalog
