// describe() against a real server: every structured field read as the catalogs hold it, the
// same catalog for the same schema whatever order it was built in, format_type() as the server
// spells it, and snapshots that read back into the catalog they were written from.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "catalog/type_text.hpp"
#include "catalog_print.hpp"
#include "pgkit/catalog.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrate.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace pgkit::catalog;

namespace {

using test::fresh_database;

void build(Connection& conn, const std::vector<std::string>& statements) {
  for (const auto& s : statements) conn.execute(s);
}

const Table& table_of(const Catalog& c, const std::string& schema, const std::string& name) {
  const Table* t = c.table(schema, name);
  if (!t) throw std::runtime_error("no table " + schema + "." + name);
  return *t;
}

const Column& column_of(const Table& t, const std::string& name) {
  const Column* c = t.column(name);
  if (!c) throw std::runtime_error("no column " + name + " in " + t.name);
  return *c;
}

const Index& index_of(const Table& t, const std::string& name) {
  for (const auto& i : t.indexes)
    if (i.name == name) return i;
  throw std::runtime_error("no index " + name + " on " + t.name);
}

Type type(std::string name, std::vector<int> args = {}, int dimensions = 0, std::string sql = {}) {
  return {.name = std::move(name), .args = std::move(args), .dimensions = dimensions, .sql = std::move(sql)};
}

// Something of every kind, with names that need quoting, literals with quotes, backslashes
// and line breaks, and a function body holding what looks like a block header.
const std::vector<std::string> kRichSchema = {
    "CREATE EXTENSION citext",
    "CREATE EXTENSION btree_gist",
    "CREATE SCHEMA \"Odd Schema\"",
    "CREATE TYPE public.\"UserRole\" AS ENUM ('USER', 'ADMIN', 'it''s', E'back\\\\slash', '')",
    "CREATE TYPE \"Odd Schema\".\"select\" AS ENUM ()",
    R"(CREATE TABLE public.d (
       a text DEFAULT 'abc', b int DEFAULT -5, c bigint DEFAULT '5'::bigint, d numeric(10,2) DEFAULT 1.5,
       e float8 DEFAULT '1.5', f bool DEFAULT true, g public."UserRole" DEFAULT 'USER', h jsonb DEFAULT '{}',
       i bytea DEFAULT '\x0102', j text[] DEFAULT ARRAY['a', 'b'], k text[] DEFAULT '{a,b}',
       l timestamptz DEFAULT CURRENT_TIMESTAMP, m timestamp(3) DEFAULT now(), n serial, o text DEFAULT NULL::text,
       p uuid DEFAULT gen_random_uuid(), q text DEFAULT 'line
two,
    three', r public."UserRole"[] DEFAULT ARRAY['USER', 'ADMIN']::public."UserRole"[], "Weird ""Col""" int,
       "select" int, "order" text COLLATE "C", "ABC" int DEFAULT 1 NOT NULL))",
    R"(CREATE TABLE public.ix (id int, a text, b jsonb, c int, d tstzrange, e text, "Odd Col" int,
       CONSTRAINT ix_pk PRIMARY KEY (id, c) INCLUDE (a),
       CONSTRAINT ix_u UNIQUE NULLS NOT DISTINCT (a) DEFERRABLE INITIALLY DEFERRED,
       CONSTRAINT ix_x EXCLUDE USING gist (c WITH =, d WITH &&) WHERE (c > 0),
       CONSTRAINT ix_chk CHECK (c > 0) NOT VALID))",
    "CREATE UNIQUE INDEX ix_1 ON public.ix (a DESC NULLS LAST, lower(a) text_pattern_ops, (c + 1) NULLS FIRST) "
    "INCLUDE (b) WITH (fillfactor = 70) WHERE a IS NOT NULL",
    "CREATE INDEX ix_2 ON public.ix USING gin (b jsonb_path_ops)",
    "CREATE INDEX ix_3 ON public.ix (e COLLATE \"POSIX\", a DESC, \"Odd Col\")",
    "CREATE INDEX ix_4 ON public.ix USING hash (a)",
    "CREATE INDEX ix_5 ON public.ix USING brin (c) WITH (pages_per_range = 16)",
    "CREATE INDEX \"Ix Multi\" ON public.ix (a) WHERE a <> 'x\ny'",
    R"(CREATE TABLE public.fk (id int PRIMARY KEY, x int, y int,
       FOREIGN KEY (x, y) REFERENCES public.ix (id, c) MATCH FULL ON UPDATE SET NULL ON DELETE SET DEFAULT,
       CONSTRAINT fk2 FOREIGN KEY (x, y) REFERENCES public.ix (id, c) ON DELETE SET NULL (x),
       CONSTRAINT "Fk ""3""" FOREIGN KEY (x, y) REFERENCES public.ix (id, c) ON UPDATE CASCADE ON DELETE RESTRICT))",
    "CREATE TABLE \"Odd Schema\".\"Table.With.Dots\" (id serial PRIMARY KEY, \"col.dot\" text CHECK (\"col.dot\" <> "
    "'a''b'))",
    "CREATE UNLOGGED TABLE public.ul (id int) WITH (fillfactor = 50, autovacuum_enabled = false)",
    "CREATE TABLE public.parent (id int, at date)",
    "CREATE TABLE public.child (extra text) INHERITS (public.parent)",
    "CREATE TABLE public.ev (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at)",
    "CREATE TABLE public.ev_2025 PARTITION OF public.ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "CREATE INDEX ev_at_idx ON public.ev (at)",
    "ALTER TABLE public.ev ADD CONSTRAINT ev_pk PRIMARY KEY (id, at)",
    "CREATE MATERIALIZED VIEW public.mv AS SELECT id, a FROM public.ix",
    "CREATE UNIQUE INDEX mv_id ON public.mv (id)",
    "CREATE VIEW \"Odd Schema\".\"View\" WITH (security_barrier) AS SELECT 'a,b' AS x",
    "CREATE FUNCTION \"Odd Schema\".\"Fn(x\" (a int, b text DEFAULT 'x') RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
    "CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n\n-- table public.fake\n\n"
    "  RETURN NEW; -- it's\nEND\n$fn$",
    "CREATE TRIGGER \"Trg on x\" BEFORE INSERT ON public.ix FOR EACH ROW EXECUTE FUNCTION public.trg()",
    "CREATE TRIGGER t2 AFTER UPDATE ON public.fk FOR EACH ROW WHEN (NEW.x IS DISTINCT FROM OLD.x) "
    "EXECUTE FUNCTION public.trg()",
    "CREATE FUNCTION public.f2() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
    "CREATE DOMAIN public.posint AS int DEFAULT 1 CHECK (VALUE > 0) CHECK (VALUE < 100)",
    "CREATE TYPE public.comp AS (a text COLLATE \"C\", b int[])",
    "CREATE SEQUENCE public.standalone AS smallint START 5 INCREMENT -1 MINVALUE -100 MAXVALUE 10 CACHE 3 CYCLE",
    "CREATE TABLE public.idt (a int GENERATED ALWAYS AS IDENTITY (START WITH 5 INCREMENT BY 2 CACHE 10), "
    "b smallint GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY -1), g int GENERATED ALWAYS AS (a * 2) STORED)",
    "COMMENT ON TABLE public.d IS E'Table''s\\ncomment \\\\ here'",
    "COMMENT ON COLUMN public.d.\"Weird \"\"Col\"\"\" IS 'a column'",
    "CREATE TABLE public.pgkit_migrations (version text PRIMARY KEY, seq bigserial)",
    "CREATE TABLE public._prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL)",
};

}  // namespace

TEST(CatalogDescribe, FillsTypesWithTheirModifiersAndArrays) {
  Connection conn(fresh_database("catalog_types"));
  build(conn, {"CREATE TYPE public.\"UserRole\" AS ENUM ('USER')",
               "CREATE TABLE public.ty (a varchar(10), b varchar, c char(3), d char, e bpchar, f numeric(10,2), "
               "g numeric(5), h numeric, i timestamp(3), j timestamptz(0), k time(2), l timetz(6), m bit(4), "
               "n bit varying(7), o varbit, p interval(3), q interval year to month, s \"char\", t int[][], "
               "u varchar(5)[], v numeric(5,-2), x \"bit\", y timestamp, z float(10), ab double precision[], "
               "ac public.\"UserRole\"[], ad name, ae oidvector)"});
  auto described = describe(conn);
  const auto& t = table_of(described, "public", "ty");
  std::vector<std::pair<std::string, Type>> want = {
      {"a", type("varchar", {10}, 0, "character varying(10)")},
      {"b", type("varchar", {}, 0, "character varying")},
      {"c", type("bpchar", {3}, 0, "character(3)")},
      {"d", type("bpchar", {1}, 0, "character(1)")},
      {"e", type("bpchar", {}, 0, "bpchar")},
      {"f", type("numeric", {10, 2}, 0, "numeric(10,2)")},
      {"g", type("numeric", {5, 0}, 0, "numeric(5,0)")},
      {"h", type("numeric", {}, 0, "numeric")},
      {"i", type("timestamp", {3}, 0, "timestamp(3) without time zone")},
      {"j", type("timestamptz", {0}, 0, "timestamp(0) with time zone")},
      {"k", type("time", {2}, 0, "time(2) without time zone")},
      {"l", type("timetz", {6}, 0, "time(6) with time zone")},
      {"m", type("bit", {4}, 0, "bit(4)")},
      {"n", type("varbit", {7}, 0, "bit varying(7)")},
      {"o", type("varbit", {}, 0, "bit varying")},
      {"p", type("interval", {3}, 0, "interval(3)")},
      {"q", type("interval", {}, 0, "interval year to month")},
      {"s", type("char", {}, 0, "\"char\"")},
      {"t", type("int4", {}, 1, "integer[]")},  // the server keeps no dimensions: one [] whatever was declared
      {"u", type("varchar", {5}, 1, "character varying(5)[]")},
      {"v", type("numeric", {5, -2}, 0, "numeric(5,-2)")},
      {"x", type("bit", {}, 0, "\"bit\"")},
      {"y", type("timestamp", {}, 0, "timestamp without time zone")},
      {"z", type("float4", {}, 0, "real")},
      {"ab", type("float8", {}, 1, "double precision[]")},
      {"ac", {.schema = "public", .name = "UserRole", .dimensions = 1, .sql = "public.\"UserRole\"[]"}},
      {"ad", type("name", {}, 0, "name")},
      {"ae", type("oidvector", {}, 0, "oidvector")},  // an array-like type format_type does not take apart
  };
  for (const auto& [name, expected] : want) {
    const auto& c = column_of(t, name);
    EXPECT_EQ(c.type, expected) << name << ": " << c.type.sql;
    EXPECT_EQ(catalog::detail::parse_type_sql(c.type.sql), c.type) << name;
  }
}

TEST(CatalogDescribe, ClassifiesEveryFormOfDefault) {
  Connection conn(fresh_database("catalog_defaults"));
  build(conn, {kRichSchema[0], kRichSchema[3], kRichSchema[5]});
  auto described = describe(conn);
  const auto& t = table_of(described, "public", "d");
  using K = DefaultKind;
  struct Want {
    std::string column;
    K kind;
    std::string value;
    std::string expression;
  };
  for (const auto& w : std::vector<Want>{
           {"a", K::value, "abc", "'abc'::text"},
           {"b", K::value, "-5", "'-5'::integer"},
           {"c", K::value, "5", "'5'::bigint"},
           {"d", K::value, "1.5", "1.5"},
           {"e", K::value, "1.5", "'1.5'::double precision"},
           {"f", K::value, "true", "true"},
           {"g", K::value, "USER", "'USER'::public.\"UserRole\""},
           {"h", K::value, "{}", "'{}'::jsonb"},
           {"i", K::value, "\\x0102", "'\\x0102'::bytea"},
           {"j", K::value, "{a,b}", "ARRAY['a'::text, 'b'::text]"},
           {"k", K::value, "{a,b}", "'{a,b}'::text[]"},
           {"l", K::now, "", "CURRENT_TIMESTAMP"},
           {"m", K::now, "", "now()"},
           {"n", K::sequence, "d_n_seq", "nextval('public.d_n_seq'::regclass)"},
           {"p", K::expression, "", "gen_random_uuid()"},
           {"q", K::value, "line\ntwo,\n    three", "'line\ntwo,\n    three'::text"},
           {"r", K::value, "{USER,ADMIN}", "ARRAY['USER'::public.\"UserRole\", 'ADMIN'::public.\"UserRole\"]"},
           {"ABC", K::value, "1", "1"},
       }) {
    const auto& c = column_of(t, w.column);
    ASSERT_TRUE(c.default_value) << w.column;
    EXPECT_EQ(c.default_value->kind, w.kind) << w.column;
    EXPECT_EQ(c.default_value->value, w.value) << w.column;
    EXPECT_EQ(c.default_value->expression, w.expression) << w.column;
  }
  EXPECT_FALSE(column_of(t, "select").default_value);
  EXPECT_FALSE(column_of(t, "o").default_value) << "the server keeps no NULL default";
  EXPECT_TRUE(column_of(t, "ABC").not_null);
  EXPECT_EQ(column_of(t, "order").collation, "\"C\"");
}

TEST(CatalogDescribe, ReadsIndexKeysMethodsOperatorClassesPredicatesAndIncludes) {
  Connection conn(fresh_database("catalog_indexes"));
  build(conn, {kRichSchema[1], kRichSchema[6], kRichSchema[7], kRichSchema[8], kRichSchema[9], kRichSchema[10],
               kRichSchema[11], kRichSchema[12]});
  auto described = describe(conn);
  const auto& t = table_of(described, "public", "ix");
  std::vector<std::string> names;
  for (const auto& i : t.indexes) names.push_back(i.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"ix_pk", "Ix Multi", "ix_1", "ix_2", "ix_3", "ix_4", "ix_5", "ix_u", "ix_x"}))
      << "the primary key first, then by name, byte-wise";

  const auto& pk = index_of(t, "ix_pk");
  EXPECT_EQ(pk.kind, Index::Kind::primary_key);
  EXPECT_EQ(pk.keys, (std::vector<IndexKey>{{.column = "id"}, {.column = "c"}}));
  EXPECT_EQ(pk.include, std::vector<std::string>{"a"});
  EXPECT_EQ(pk.definition, "PRIMARY KEY (id, c) INCLUDE (a)");
  EXPECT_EQ(t.primary_key(), &pk);

  const auto& u = index_of(t, "ix_u");
  EXPECT_EQ(u.kind, Index::Kind::unique_constraint);
  EXPECT_TRUE(u.nulls_not_distinct);

  const auto& x = index_of(t, "ix_x");
  EXPECT_EQ(x.kind, Index::Kind::exclusion);
  EXPECT_EQ(x.method, "gist");
  EXPECT_EQ(x.keys, (std::vector<IndexKey>{{.column = "c", .exclude_operator = "="},
                                           {.column = "d", .exclude_operator = "&&"}}));
  EXPECT_EQ(x.predicate, "(c > 0)");

  const auto& one = index_of(t, "ix_1");
  EXPECT_EQ(one.kind, Index::Kind::unique);
  EXPECT_EQ(one.method, "btree");
  EXPECT_EQ(one.keys, (std::vector<IndexKey>{{.column = "a", .descending = true, .nulls_first = false},
                                             {.expression = "lower(a)", .opclass = "text_pattern_ops"},
                                             {.expression = "((c + 1))", .nulls_first = true}}));
  EXPECT_EQ(one.include, std::vector<std::string>{"b"});
  EXPECT_EQ(one.options, "fillfactor='70'");
  EXPECT_EQ(one.predicate, "(a IS NOT NULL)");

  EXPECT_EQ(index_of(t, "ix_2").method, "gin");
  EXPECT_EQ(index_of(t, "ix_2").keys, std::vector<IndexKey>{(IndexKey{.column = "b", .opclass = "jsonb_path_ops"})});
  EXPECT_EQ(index_of(t, "ix_3").keys, (std::vector<IndexKey>{{.column = "e", .collation = "\"POSIX\""},
                                                             {.column = "a", .descending = true},
                                                             {.column = "Odd Col"}}));
  EXPECT_EQ(index_of(t, "ix_4").method, "hash");
  EXPECT_EQ(index_of(t, "ix_5").method, "brin");
  EXPECT_EQ(index_of(t, "ix_5").options, "pages_per_range='16'");
  EXPECT_EQ(index_of(t, "Ix Multi").predicate, "(a <> 'x\ny'::text)");
  EXPECT_EQ(index_of(t, "Ix Multi").kind, Index::Kind::plain);

  ASSERT_EQ(t.checks.size(), 1u);
  EXPECT_EQ(t.checks[0].name, "ix_chk");
  EXPECT_EQ(t.checks[0].definition, "CHECK ((c > 0))");
}

TEST(CatalogDescribe, ReadsForeignKeysWithTheirActions) {
  Connection conn(fresh_database("catalog_foreign_keys"));
  build(conn, {kRichSchema[1], kRichSchema[6], kRichSchema[13]});
  auto described = describe(conn);
  const auto& t = table_of(described, "public", "fk");
  ASSERT_EQ(t.foreign_keys.size(), 3u);
  const auto& quoted = t.foreign_keys[0];  // "Fk ""3""" sorts first: 'F' < 'f'
  EXPECT_EQ(quoted.name, "Fk \"3\"");
  EXPECT_EQ(quoted.on_update, Action::cascade);
  EXPECT_EQ(quoted.on_delete, Action::restrict);
  const auto& fk2 = t.foreign_keys[1];
  EXPECT_EQ(fk2.name, "fk2");
  EXPECT_EQ(fk2.on_delete, Action::set_null);
  EXPECT_EQ(fk2.on_update, Action::no_action);
  EXPECT_EQ(fk2.definition, "FOREIGN KEY (x, y) REFERENCES public.ix(id, c) ON DELETE SET NULL (x)");
  const auto& full = t.foreign_keys[2];
  EXPECT_EQ(full.name, "fk_x_y_fkey");
  EXPECT_EQ(full.columns, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(full.referenced_schema, "public");
  EXPECT_EQ(full.referenced_table, "ix");
  EXPECT_EQ(full.referenced_columns, (std::vector<std::string>{"id", "c"}));
  EXPECT_EQ(full.on_update, Action::set_null);
  EXPECT_EQ(full.on_delete, Action::set_default);
}

TEST(CatalogDescribe, ReadsPartitionsUnloggedTablesOptionsIdentitiesAndComments) {
  Connection conn(fresh_database("catalog_tables"));
  build(conn, kRichSchema);
  auto c = describe(conn);
  const auto& ev = table_of(c, "public", "ev");
  EXPECT_EQ(ev.create_suffix, " PARTITION BY RANGE (at)");
  EXPECT_EQ(ev.primary_key()->name, "ev_pk");
  EXPECT_EQ(index_of(ev, "ev_at_idx").definition, "CREATE INDEX ev_at_idx ON ONLY public.ev USING btree (at)");
  const auto& partition = table_of(c, "public", "ev_2025");
  EXPECT_EQ(partition.attach,
            "ALTER TABLE ONLY public.ev ATTACH PARTITION public.ev_2025 FOR VALUES FROM "
            "('2025-01-01') TO ('2026-01-01');");
  EXPECT_EQ(partition.primary_key()->name, "ev_2025_pkey");
  EXPECT_EQ(index_of(partition, "ev_2025_at_idx").keys, std::vector<IndexKey>{{.column = "at"}});
  const auto& ul = table_of(c, "public", "ul");
  EXPECT_EQ(ul.create_prefix, "UNLOGGED ");
  EXPECT_EQ(ul.create_suffix, " WITH (autovacuum_enabled=false, fillfactor=50)");
  EXPECT_EQ(table_of(c, "public", "child").create_suffix, " INHERITS (public.parent)");

  const auto& idt = table_of(c, "public", "idt");
  EXPECT_EQ(column_of(idt, "a").identity,
            (Identity{.always = true, .options = "(START WITH 5 INCREMENT BY 2 CACHE 10)"}));
  EXPECT_EQ(column_of(idt, "b").identity, (Identity{.always = false, .options = "(INCREMENT BY -1)"}));
  EXPECT_EQ(column_of(idt, "g").generated, "(a * 2)");
  EXPECT_FALSE(column_of(idt, "g").default_value);

  const auto& d = table_of(c, "public", "d");
  EXPECT_EQ(d.comment, "Table's\ncomment \\ here");
  EXPECT_EQ(column_of(d, "Weird \"Col\"").comment, "a column");
  EXPECT_EQ(column_of(d, "a").comment, "");

  const auto* role = c.enumeration("public", "UserRole");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->values, (std::vector<std::string>{"USER", "ADMIN", "it's", "back\\slash", ""}));
  ASSERT_TRUE(c.enumeration("Odd Schema", "select"));
  EXPECT_TRUE(c.enumeration("Odd Schema", "select")->values.empty());

  std::vector<std::string> sequences;
  for (const auto& s : c.sequences) sequences.push_back(s.schema + "." + s.name + " " + s.owned_by);
  EXPECT_EQ(sequences, (std::vector<std::string>{"Odd Schema.Table.With.Dots_id_seq Table.With.Dots.id",
                                                 "public.d_n_seq d.n", "public.standalone "}));
  const auto& standalone = c.sequences[2];
  EXPECT_EQ(standalone.type, "smallint");
  EXPECT_EQ(std::make_tuple(standalone.start, standalone.increment, standalone.min, standalone.max, standalone.cache,
                            standalone.cycle),
            std::make_tuple(5, -1, -100, 10, 3, true));

  std::vector<std::string> others;
  for (const auto& o : c.others) others.push_back(o.kind + " " + o.schema + "." + o.name);
  EXPECT_EQ(others, (std::vector<std::string>{
                        "type public.comp",
                        "domain public.posint",
                        "function Odd Schema.Fn(x(a integer, b text)",
                        "function public.f2()",
                        "function public.trg()",
                        "view Odd Schema.View",
                        "materialized view public.mv",
                        "index public.mv_id",
                        "trigger public.Trg on x on ix",
                        "trigger public.t2 on fk",
                    }));
  EXPECT_EQ(c.extensions, (std::vector<Extension>{{.name = "btree_gist", .schema = "public"},
                                                  {.name = "citext", .schema = "public"}}));
  EXPECT_EQ(c.schemas, (std::vector<std::string>{"Odd Schema", "public"}));
}

TEST(CatalogDescribe, IsTheSameForTheSameSchemaBuiltInAnotherOrder) {
  const std::vector<std::string> first = {
      "CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy')",
      "CREATE TABLE public.orgs (id serial PRIMARY KEY, name text NOT NULL UNIQUE)",
      "CREATE TABLE public.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
      "org_id int NOT NULL REFERENCES public.orgs (id) ON DELETE CASCADE, mood public.mood DEFAULT 'ok', "
      "email text, CONSTRAINT users_email_key UNIQUE (email))",
      "CREATE INDEX users_mood_idx ON public.users (mood)",
      "CREATE INDEX \"Users_Org_idx\" ON public.users (org_id)",
      "COMMENT ON COLUMN public.users.email IS 'where to write'",
  };
  const std::vector<std::string> reordered = {
      "CREATE TYPE public.mood AS ENUM ('sad', 'happy')",
      "ALTER TYPE public.mood ADD VALUE 'ok' BEFORE 'happy'",
      "CREATE TABLE public.users (id bigint GENERATED ALWAYS AS IDENTITY, org_id int NOT NULL, "
      "mood public.mood DEFAULT 'ok', email text)",
      "COMMENT ON COLUMN public.users.email IS 'where to write'",
      "CREATE INDEX \"Users_Org_idx\" ON public.users (org_id)",
      "CREATE TABLE public.orgs (id serial, name text NOT NULL)",
      "ALTER TABLE public.orgs ADD UNIQUE (name)",
      "ALTER TABLE public.orgs ADD PRIMARY KEY (id)",
      "ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email)",
      "ALTER TABLE public.users ADD FOREIGN KEY (org_id) REFERENCES public.orgs (id) ON DELETE CASCADE",
      "CREATE INDEX users_mood_idx ON public.users (mood)",
      "ALTER TABLE public.users ADD PRIMARY KEY (id)",
  };
  Connection a(fresh_database("catalog_order_a"));
  build(a, first);
  Connection b(fresh_database("catalog_order_b"));
  build(b, reordered);
  b.execute("INSERT INTO public.orgs (name) VALUES ('acme')");  // data and sequence positions are not schema
  auto described = describe(a);
  EXPECT_EQ(describe(a), described);
  EXPECT_EQ(describe(b), described);
  const auto& users = table_of(described, "public", "users");
  std::vector<std::string> names;
  for (const auto& i : users.indexes) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{"users_pkey", "Users_Org_idx", "users_email_key", "users_mood_idx"}));
}

TEST(CatalogDescribe, LeavesTheTrackingTablesOutAndReadsOnlyTheSchemasAsked) {
  Connection conn(fresh_database("catalog_scope"));
  build(conn, kRichSchema);
  auto c = describe(conn);
  EXPECT_FALSE(c.table("public", "pgkit_migrations"));
  EXPECT_FALSE(c.table("public", "_prisma_migrations"));
  for (const auto& s : c.sequences) EXPECT_NE(s.name, "pgkit_migrations_seq_seq");
  EXPECT_TRUE(describe(conn, {.exclude_tables = {}}).table("public", "pgkit_migrations"));

  auto odd = describe(conn, {.schemas = {"Odd Schema"}});
  EXPECT_EQ(odd.schemas, std::vector<std::string>{"Odd Schema"});
  ASSERT_EQ(odd.tables.size(), 1u);
  EXPECT_EQ(odd.tables[0].name, "Table.With.Dots");
  EXPECT_TRUE(odd.extensions.empty());
  for (const auto& o : odd.others) EXPECT_EQ(o.schema, "Odd Schema") << o.kind << " " << o.name;
  EXPECT_EQ(odd.enums.size(), 1u);
}

TEST(CatalogTypes, FormatTypeEqualsTheServersForEveryBuiltinTypePrismaCanProduce) {
  Connection conn(fresh_database("catalog_format_type"));
  conn.execute("CREATE EXTENSION citext");
  // Each of Prisma's PostgreSQL native types as Prisma writes it, and the Type pgkit expects.
  struct Case {
    std::string ddl;
    Type type;
  };
  std::vector<Case> cases = {
      {"SMALLINT", type("int2")},
      {"INTEGER", type("int4")},
      {"BIGINT", type("int8")},
      {"SERIAL", type("int4")},
      {"SMALLSERIAL", type("int2")},
      {"BIGSERIAL", type("int8")},
      {"DECIMAL(65,30)", type("numeric", {65, 30})},
      {"DECIMAL(10,0)", type("numeric", {10, 0})},
      {"DECIMAL", type("numeric")},
      {"MONEY", type("money")},
      {"REAL", type("float4")},
      {"DOUBLE PRECISION", type("float8")},
      {"VARCHAR(255)", type("varchar", {255})},
      {"VARCHAR", type("varchar")},
      {"CHAR(1)", type("bpchar", {1})},
      {"CHAR(36)", type("bpchar", {36})},
      {"TEXT", type("text")},
      {"BYTEA", type("bytea")},
      {"TIMESTAMP(3)", type("timestamp", {3})},
      {"TIMESTAMP(6)", type("timestamp", {6})},
      {"TIMESTAMP", type("timestamp")},
      {"TIMESTAMPTZ(3)", type("timestamptz", {3})},
      {"TIMESTAMPTZ", type("timestamptz")},
      {"DATE", type("date")},
      {"TIME(3)", type("time", {3})},
      {"TIME", type("time")},
      {"TIMETZ(6)", type("timetz", {6})},
      {"TIMETZ", type("timetz")},
      {"BOOLEAN", type("bool")},
      {"BIT(1)", type("bit", {1})},
      {"BIT(8)", type("bit", {8})},
      {"VARBIT(7)", type("varbit", {7})},
      {"VARBIT", type("varbit")},
      {"UUID", type("uuid")},
      {"XML", type("xml")},
      {"JSON", type("json")},
      {"JSONB", type("jsonb")},
      {"INET", type("inet")},
      {"OID", type("oid")},
      {"CITEXT", {.schema = "public", .name = "citext"}},
  };
  std::string ddl = "CREATE TABLE public.t (";
  std::size_t n = 0;
  std::vector<std::pair<std::string, Type>> columns;
  for (const auto& c : cases) {
    for (int dims : {0, 1}) {
      if (dims && c.ddl.find("SERIAL") != std::string::npos) continue;  // no serial arrays
      auto name = "c" + std::to_string(n++);
      ddl += (n > 1 ? ", " : "") + name + " " + c.ddl + (dims ? "[]" : "");
      auto t = c.type;
      t.dimensions = dims;
      columns.emplace_back(name, t);
    }
  }
  conn.execute(ddl + ")");
  auto described = describe(conn);
  const auto& t = table_of(described, "public", "t");
  for (const auto& [name, expected] : columns) {
    const auto& got = column_of(t, name).type;
    auto want = expected;
    want.sql = got.sql;
    EXPECT_EQ(got, want) << name << " " << got.sql;
    EXPECT_EQ(catalog::detail::format_type(expected), got.sql) << name;
    EXPECT_EQ(catalog::detail::parse_type_sql(got.sql), got) << name;
  }
}

TEST(CatalogSnapshot, ReadsBackIntoTheCatalogItWasWrittenFrom) {
  Connection conn(fresh_database("catalog_round_trip"));
  build(conn, kRichSchema);
  auto described = describe(conn);
  auto text = snapshot(described);
  EXPECT_EQ(read_snapshot(text), described);
  EXPECT_EQ(snapshot(read_snapshot(text)), text);
  EXPECT_NE(text.find("\n-- function public.trg()\n"), std::string::npos);
  EXPECT_NE(text.find("\n-- table public.fake"), std::string::npos) << "inside the function's body, as it was";
  EXPECT_EQ(text.find("\n\n-- table public.fake"), text.find("\n-- table public.fake") - 1);
  EXPECT_NE(text.find("COMMENT ON TABLE public.d IS E'Table''s\ncomment \\\\ here';\n"), std::string::npos) << text;
  EXPECT_NE(text.find("COMMENT ON COLUMN public.d.\"Weird \"\"Col\"\"\" IS 'a column';\n"), std::string::npos);
}

TEST(CatalogSnapshot, DumpSchemaIsTheSnapshotOfTheDescribedCatalog) {
  Connection conn(fresh_database("catalog_dump"));
  build(conn, kRichSchema);
  EXPECT_EQ(migrate::dump_schema(conn), snapshot(describe(conn, {.exclude_tables = {"pgkit_migrations"}})));
  EXPECT_NE(migrate::dump_schema(conn).find("-- table public._prisma_migrations\n"), std::string::npos)
      << "dump_schema leaves out only the tracking table it is given";
}
