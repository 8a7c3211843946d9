// The catalog model without a database: quoting as the server quotes, types and defaults read
// as format_type() and Prisma read them, index and constraint text read into fields, and
// snapshots read back (with the line named when they cannot be).
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "catalog/catalog_internal.hpp"
#include "catalog/definitions.hpp"
#include "catalog/type_text.hpp"
#include "catalog_print.hpp"
#include "pgkit/catalog.hpp"
#include "pgkit/error.hpp"

using namespace pgkit::catalog;
using detail::classify_default;
using detail::format_type;
using detail::parse_type_sql;

namespace {

Type builtin(std::string name, std::vector<int> args = {}, int dimensions = 0) {
  return {.name = std::move(name), .args = std::move(args), .dimensions = dimensions};
}

Type user_type(std::string schema, std::string name, int dimensions = 0) {
  return {.schema = std::move(schema), .name = std::move(name), .dimensions = dimensions};
}

// The kind and value classify_default() gives expression on a column of type.
std::pair<DefaultKind, std::string> classified(const std::string& expression, const Type& type, bool is_enum = false) {
  auto d = classify_default(expression, type, is_enum);
  if (!d) return {DefaultKind::expression, "<none>"};
  EXPECT_EQ(d->expression, expression);
  return {d->kind, d->value};
}

std::string error_of(const std::string& snapshot) {
  try {
    read_snapshot(snapshot);
  } catch (const pgkit::Error& e) {
    return e.message();
  }
  return "no error";
}

const std::string kTitle = "-- Schema snapshot written by pgkit (dump_schema): regenerate it, don't edit it.\n";

}  // namespace

TEST(CatalogQuoting, QuotesIdentifiersExactlyWherePostgresDoes) {
  for (const char* bare : {"users", "user_id", "_x", "a1", "abort", "name", "text", "zone", "at", "version"})
    EXPECT_EQ(quote_ident(bare), bare) << bare;
  EXPECT_EQ(quote_ident("User"), "\"User\"");                    // upper case
  EXPECT_EQ(quote_ident("select"), "\"select\"");                // reserved
  EXPECT_EQ(quote_ident("user"), "\"user\"");                    // reserved
  EXPECT_EQ(quote_ident("int"), "\"int\"");                      // column-name keyword
  EXPECT_EQ(quote_ident("between"), "\"between\"");              // column-name keyword
  EXPECT_EQ(quote_ident("authorization"), "\"authorization\"");  // type/function-name keyword
  EXPECT_EQ(quote_ident("1abc"), "\"1abc\"");                    // leading digit
  EXPECT_EQ(quote_ident("a$b"), "\"a$b\"");                      // $ is not safe
  EXPECT_EQ(quote_ident("a b"), "\"a b\"");
  EXPECT_EQ(quote_ident("say \"hi\""), "\"say \"\"hi\"\"\"");  // quotes doubled
  EXPECT_EQ(quote_ident("café"), "\"café\"");
  EXPECT_EQ(quote_ident(""), "\"\"");
  EXPECT_EQ(qualified("public", "UserRole"), "public.\"UserRole\"");
  EXPECT_EQ(qualified("Odd Schema", "t"), "\"Odd Schema\".t");
}

TEST(CatalogTypes, FormatTypeSpellsBuiltinsAsTheServerDoes) {
  EXPECT_EQ(format_type(builtin("int2")), "smallint");
  EXPECT_EQ(format_type(builtin("int4", {}, 1)), "integer[]");
  EXPECT_EQ(format_type(builtin("int8")), "bigint");
  EXPECT_EQ(format_type(builtin("float4")), "real");
  EXPECT_EQ(format_type(builtin("float8")), "double precision");
  EXPECT_EQ(format_type(builtin("bool")), "boolean");
  EXPECT_EQ(format_type(builtin("varchar", {255})), "character varying(255)");
  EXPECT_EQ(format_type(builtin("varchar")), "character varying");
  EXPECT_EQ(format_type(builtin("bpchar", {3})), "character(3)");
  EXPECT_EQ(format_type(builtin("bpchar")), "bpchar");
  EXPECT_EQ(format_type(builtin("numeric", {10, 2})), "numeric(10,2)");
  EXPECT_EQ(format_type(builtin("numeric", {5})), "numeric(5,0)");
  EXPECT_EQ(format_type(builtin("timestamp", {3})), "timestamp(3) without time zone");
  EXPECT_EQ(format_type(builtin("timestamptz")), "timestamp with time zone");
  EXPECT_EQ(format_type(builtin("timetz", {6}, 1)), "time(6) with time zone[]");
  EXPECT_EQ(format_type(builtin("bit", {4})), "bit(4)");
  EXPECT_EQ(format_type(builtin("bit")), "\"bit\"");
  EXPECT_EQ(format_type(builtin("varbit", {7})), "bit varying(7)");
  EXPECT_EQ(format_type(builtin("interval", {3})), "interval(3)");
  EXPECT_EQ(format_type(builtin("char")), "\"char\"");
  EXPECT_EQ(format_type(builtin("jsonb")), "jsonb");
  EXPECT_EQ(format_type(user_type("public", "UserRole", 1)), "public.\"UserRole\"[]");
  EXPECT_EQ(format_type(user_type("public", "citext")), "public.citext");
}

TEST(CatalogTypes, ParseTypeSqlIsFormatTypesInverse) {
  for (const auto& t : {builtin("int2"),
                        builtin("int4", {}, 1),
                        builtin("float8"),
                        builtin("varchar", {255}),
                        builtin("varchar", {5}, 1),
                        builtin("bpchar", {1}),
                        builtin("bpchar"),
                        builtin("numeric", {10, 2}),
                        builtin("numeric", {5, -2}),
                        builtin("numeric"),
                        builtin("timestamp", {0}),
                        builtin("timestamptz", {3}),
                        builtin("time"),
                        builtin("timetz", {2}),
                        builtin("bit", {1}),
                        builtin("bit"),
                        builtin("varbit"),
                        builtin("interval"),
                        builtin("interval", {6}),
                        builtin("char"),
                        builtin("text", {}, 1),
                        builtin("bool"),
                        user_type("public", "UserRole", 1),
                        user_type("Odd Schema", "select"),
                        user_type("public", "int4")}) {
    auto sql = format_type(t);
    auto expected = t;
    expected.sql = sql;
    EXPECT_EQ(parse_type_sql(sql), expected) << sql;
  }
  auto interval = parse_type_sql("interval day to second(2)");
  EXPECT_EQ(interval.name, "interval");
  EXPECT_EQ(interval.args, std::vector<int>{2});
  auto geometry = parse_type_sql("public.geometry(Point,4326)");
  EXPECT_EQ(geometry.name, "geometry");
  EXPECT_TRUE(geometry.args.empty()) << "a user type's modifiers stay in sql";
  EXPECT_EQ(geometry.sql, "public.geometry(Point,4326)");
  EXPECT_THROW(parse_type_sql("not a type"), std::invalid_argument);
  EXPECT_THROW(parse_type_sql(""), std::invalid_argument);
}

TEST(CatalogTypes, ModifiersComeFromTheTypmod) {
  using detail::typmod_args;
  EXPECT_EQ(typmod_args("pg_catalog", "varchar", 14), std::vector<int>{10});
  EXPECT_EQ(typmod_args("pg_catalog", "numeric", 655366), (std::vector<int>{10, 2}));
  EXPECT_EQ(typmod_args("pg_catalog", "numeric", 329730), (std::vector<int>{5, -2}));
  EXPECT_EQ(typmod_args("pg_catalog", "timestamptz", 0), std::vector<int>{0});
  EXPECT_EQ(typmod_args("pg_catalog", "interval", 2147418115), std::vector<int>{3});
  EXPECT_EQ(typmod_args("pg_catalog", "interval", 458751), std::vector<int>{});      // year to month
  EXPECT_EQ(typmod_args("pg_catalog", "interval", 470286338), std::vector<int>{2});  // day to second(2)
  EXPECT_EQ(typmod_args("pg_catalog", "varchar", -1), std::vector<int>{});
  EXPECT_EQ(typmod_args("public", "geometry", 1107460), std::vector<int>{});
}

TEST(CatalogDefaults, AreClassifiedAsPrismaClassifiesThem) {
  using K = DefaultKind;
  auto text = builtin("text"), int4 = builtin("int4"), int8 = builtin("int8");
  EXPECT_EQ(classified("'abc'::text", text), std::make_pair(K::value, std::string("abc")));
  EXPECT_EQ(classified("'it''s'::text", text), std::make_pair(K::value, std::string("it's")));
  EXPECT_EQ(classified("'line\ntwo'::character varying", builtin("varchar", {10})),
            std::make_pair(K::value, std::string("line\ntwo")));
  EXPECT_EQ(classified("5", int4), std::make_pair(K::value, std::string("5")));
  EXPECT_EQ(classified("'-5'::integer", int4), std::make_pair(K::value, std::string("-5")));
  EXPECT_EQ(classified("'5'::bigint", int8), std::make_pair(K::value, std::string("5")));
  EXPECT_EQ(classified("'-9223372036854775808'::bigint", int8),
            std::make_pair(K::value, std::string("-9223372036854775808")));
  EXPECT_EQ(classified("1.5", builtin("numeric")), std::make_pair(K::value, std::string("1.5")));
  EXPECT_EQ(classified("'-1.5'::numeric", builtin("numeric")), std::make_pair(K::value, std::string("-1.5")));
  EXPECT_EQ(classified("'1.5'::double precision", builtin("float8")), std::make_pair(K::value, std::string("1.5")));
  EXPECT_EQ(classified("true", builtin("bool")), std::make_pair(K::value, std::string("true")));
  EXPECT_EQ(classified("false", builtin("bool")), std::make_pair(K::value, std::string("false")));
  EXPECT_EQ(classified("'USER'::public.\"UserRole\"", user_type("public", "UserRole"), true),
            std::make_pair(K::value, std::string("USER")));
  EXPECT_EQ(classified("'{}'::jsonb", builtin("jsonb")), std::make_pair(K::value, std::string("{}")));
  EXPECT_EQ(classified("'\\x0102'::bytea", builtin("bytea")), std::make_pair(K::value, std::string("\\x0102")));
  EXPECT_EQ(classified("ARRAY['a'::text, 'b'::text]", builtin("text", {}, 1)),
            std::make_pair(K::value, std::string("{a,b}")));
  EXPECT_EQ(classified("'{a,b}'::text[]", builtin("text", {}, 1)), std::make_pair(K::value, std::string("{a,b}")));
  EXPECT_EQ(classified("'{\"a b\",c}'::text[]", builtin("text", {}, 1)),
            std::make_pair(K::value, std::string("{\"a b\",c}")));
  EXPECT_EQ(classified("'{1,2}'::integer[]", builtin("int4", {}, 1)), std::make_pair(K::value, std::string("{1,2}")));
  EXPECT_EQ(classified("'{t,f}'::boolean[]", builtin("bool", {}, 1)),
            std::make_pair(K::value, std::string("{true,false}")));
  EXPECT_EQ(classified("ARRAY[]::character varying[]", builtin("varchar", {10}, 1)),
            std::make_pair(K::value, std::string("{}")));
  EXPECT_EQ(classified("ARRAY['USER'::public.\"UserRole\", 'ADMIN'::public.\"UserRole\"]",
                       user_type("public", "UserRole", 1), true),
            std::make_pair(K::value, std::string("{USER,ADMIN}")));

  EXPECT_EQ(classified("now()", builtin("timestamp", {3})), std::make_pair(K::now, std::string()));
  EXPECT_EQ(classified("CURRENT_TIMESTAMP", builtin("timestamptz")), std::make_pair(K::now, std::string()));
  EXPECT_EQ(classified("nextval('public.\"Post_id_seq\"'::regclass)", int4),
            std::make_pair(K::sequence, std::string("Post_id_seq")));
  EXPECT_EQ(classified("nextval('billing.invoice_no'::regclass)", int8),
            std::make_pair(K::sequence, std::string("invoice_no")));
  EXPECT_EQ(classified("nextval(('seq'::text)::regclass)", int4), std::make_pair(K::sequence, std::string("seq")));

  // What Prisma reads as dbgenerated: functions, values that do not fit the column, uuid.
  for (auto [expression, type] : std::vector<std::pair<std::string, Type>>{
           {"gen_random_uuid()", builtin("uuid")},
           {"'00000000-0000-0000-0000-000000000000'::uuid", builtin("uuid")},
           {"now()", text},
           {"CURRENT_DATE", builtin("date")},
           {"(1 + 2)", int4},
           {"'NaN'::double precision", builtin("float8")},
           {"nextval('s'::regclass)", builtin("numeric")},
           {"'\\xZZ'::bytea", builtin("bytea")},
           {"'abc'::text", int4},
           {"'ok'::public.mood", user_type("public", "mood")},  // not one of the catalog's enums
           {"'{1,2}'::text[]", builtin("text", {}, 1)},         // Prisma's reading: digits are not strings
           {"ARRAY[now()]", builtin("timestamptz", {}, 1)},
       })
    EXPECT_EQ(classified(expression, type), std::make_pair(K::expression, std::string())) << expression;
  EXPECT_FALSE(classify_default("NULL::text", text, false)) << "Prisma reads a NULL default as none";
  EXPECT_EQ(detail::described_default("NULL::text", text, false).kind, K::expression);
}

TEST(CatalogDefinitions, IndexDefinitionsAreReadIntoFields) {
  auto d = detail::parse_index_definition(
      "CREATE UNIQUE INDEX ix_1 ON public.ix USING btree (a DESC NULLS LAST, lower(a) text_pattern_ops, "
      "((c + 1)) NULLS FIRST, e COLLATE \"POSIX\", \"Odd Col\") INCLUDE (b, \"B c\") WITH (fillfactor='70') "
      "WHERE (a IS NOT NULL)");
  EXPECT_EQ(d.schema, "public");
  EXPECT_EQ(d.table, "ix");
  const Index& i = d.index;
  EXPECT_EQ(i.name, "ix_1");
  EXPECT_EQ(i.kind, Index::Kind::unique);
  EXPECT_EQ(i.method, "btree");
  ASSERT_EQ(i.keys.size(), 5u);
  EXPECT_EQ(i.keys[0], (IndexKey{.column = "a", .descending = true, .nulls_first = false}));
  EXPECT_EQ(i.keys[1], (IndexKey{.expression = "lower(a)", .opclass = "text_pattern_ops"}));
  EXPECT_EQ(i.keys[2], (IndexKey{.expression = "((c + 1))", .nulls_first = true}));
  EXPECT_EQ(i.keys[3], (IndexKey{.column = "e", .collation = "\"POSIX\""}));
  EXPECT_EQ(i.keys[4], (IndexKey{.column = "Odd Col"}));
  EXPECT_EQ(i.include, (std::vector<std::string>{"b", "B c"}));
  EXPECT_EQ(i.options, "fillfactor='70'");
  EXPECT_EQ(i.predicate, "(a IS NOT NULL)");

  auto gin = detail::parse_index_definition("CREATE INDEX ix_2 ON ONLY \"Odd\".\"T\" USING gin (b jsonb_path_ops)");
  EXPECT_EQ(gin.schema, "Odd");
  EXPECT_EQ(gin.table, "T");
  EXPECT_EQ(gin.index.method, "gin");
  EXPECT_EQ(gin.index.keys, std::vector<IndexKey>{(IndexKey{.column = "b", .opclass = "jsonb_path_ops"})});
  EXPECT_THROW(detail::parse_index_definition("CREATE VIEW v AS SELECT 1"), std::invalid_argument);
}

TEST(CatalogDefinitions, ConstraintDefinitionsAreReadIntoFields) {
  Table t;
  detail::add_constraint(t, "t_pkey", "PRIMARY KEY (id, c) INCLUDE (a)");
  detail::add_constraint(t, "t_u", "UNIQUE NULLS NOT DISTINCT (a) DEFERRABLE INITIALLY DEFERRED");
  detail::add_constraint(t, "t_x", "EXCLUDE USING gist (c WITH =, d WITH &&) WHERE ((c > 0))");
  detail::add_constraint(t, "t_check", "CHECK ((c > 0)) NOT VALID");
  detail::add_constraint(t, "t_fk",
                         "FOREIGN KEY (x, y) REFERENCES public.ix(id, c) MATCH FULL ON UPDATE SET NULL "
                         "ON DELETE SET DEFAULT");
  detail::add_constraint(t, "t_fk2", "FOREIGN KEY (x) REFERENCES \"Odd\".\"Org\"(\"Id\") ON DELETE SET NULL (x)");
  detail::add_constraint(t, "t_fk3", "FOREIGN KEY (x) REFERENCES public.o(id) ON UPDATE CASCADE ON DELETE RESTRICT");
  ASSERT_EQ(t.indexes.size(), 3u);
  EXPECT_EQ(t.indexes[0].kind, Index::Kind::primary_key);
  EXPECT_EQ(t.indexes[0].keys, (std::vector<IndexKey>{{.column = "id"}, {.column = "c"}}));
  EXPECT_EQ(t.indexes[0].include, std::vector<std::string>{"a"});
  EXPECT_EQ(t.indexes[0].definition, "PRIMARY KEY (id, c) INCLUDE (a)");
  EXPECT_EQ(t.primary_key(), &t.indexes[0]);
  EXPECT_EQ(t.indexes[1].kind, Index::Kind::unique_constraint);
  EXPECT_TRUE(t.indexes[1].nulls_not_distinct);
  EXPECT_EQ(t.indexes[2].kind, Index::Kind::exclusion);
  EXPECT_EQ(t.indexes[2].method, "gist");
  EXPECT_EQ(t.indexes[2].keys[1], (IndexKey{.column = "d", .exclude_operator = "&&"}));
  EXPECT_EQ(t.indexes[2].predicate, "(c > 0)") << "the same text as the index's own predicate";
  ASSERT_EQ(t.checks.size(), 1u);
  EXPECT_EQ(t.checks[0].definition, "CHECK ((c > 0)) NOT VALID");
  ASSERT_EQ(t.foreign_keys.size(), 3u);
  const auto& fk = t.foreign_keys[0];
  EXPECT_EQ(fk.columns, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(fk.referenced_schema, "public");
  EXPECT_EQ(fk.referenced_table, "ix");
  EXPECT_EQ(fk.referenced_columns, (std::vector<std::string>{"id", "c"}));
  EXPECT_EQ(fk.on_update, Action::set_null);
  EXPECT_EQ(fk.on_delete, Action::set_default);
  EXPECT_EQ(t.foreign_keys[1].referenced_table, "Org");
  EXPECT_EQ(t.foreign_keys[1].referenced_columns, std::vector<std::string>{"Id"});
  EXPECT_EQ(t.foreign_keys[1].on_delete, Action::set_null);
  EXPECT_EQ(t.foreign_keys[1].on_update, Action::no_action);
  EXPECT_EQ(t.foreign_keys[2].on_update, Action::cascade);
  EXPECT_EQ(t.foreign_keys[2].on_delete, Action::restrict);
  EXPECT_THROW(detail::add_constraint(t, "n", "NOT NULL x"), std::invalid_argument);
}

TEST(CatalogDefinitions, ColumnTextIsReadBack) {
  Catalog catalog;
  catalog.enums.push_back({.name = "UserRole", .values = {"USER"}});
  for (std::string text : {
           "id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100) NOT NULL",
           "id integer GENERATED ALWAYS AS IDENTITY NOT NULL",
           "\"Given Name\" text COLLATE \"C\" DEFAULT 'a b NOT NULL'::text NOT NULL",
           "full_name text GENERATED ALWAYS AS (((first_name || ' '::text) || last_name)) STORED",
           "role public.\"UserRole\" DEFAULT 'USER'::public.\"UserRole\"",
           "at timestamp(3) with time zone DEFAULT CURRENT_TIMESTAMP",
           "note text DEFAULT 'line\ntwo'::text",
           "\"select\" character varying(5)[]",
       }) {
    auto c = detail::parse_column_text(text, catalog);
    EXPECT_EQ(detail::column_text(c), text);
  }
  auto c =
      detail::parse_column_text("\"Given Name\" text COLLATE \"C\" DEFAULT 'a b NOT NULL'::text NOT NULL", catalog);
  EXPECT_EQ(c.name, "Given Name");
  EXPECT_EQ(c.collation, "\"C\"");
  EXPECT_TRUE(c.not_null);
  EXPECT_EQ(c.default_value->value, "a b NOT NULL");
  auto role = detail::parse_column_text("role public.\"UserRole\" DEFAULT 'USER'::public.\"UserRole\"", catalog);
  EXPECT_EQ(role.default_value->kind, DefaultKind::value) << "one of the catalog's enums";
  auto identity =
      detail::parse_column_text("id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100) NOT NULL", catalog);
  ASSERT_TRUE(identity.identity);
  EXPECT_FALSE(identity.identity->always);
  EXPECT_EQ(identity.identity->options, "(START WITH 100)");
  EXPECT_THROW(detail::parse_column_text("x", catalog), std::invalid_argument);
  EXPECT_THROW(detail::parse_column_text("x integer GENERATED SOMETIMES", catalog), std::invalid_argument);
}

TEST(CatalogSnapshot, AHandBuiltCatalogIsReadBackFromItsSnapshot) {
  Catalog c;
  c.schemas = {"Odd Schema", "public"};
  c.extensions = {{.name = "citext", .schema = "public"}};
  c.enums = {{.name = "UserRole", .values = {"USER", "it's", "back\\slash", ""}}};
  c.sequences = {
      {.name = "Post_id_seq", .type = "integer", .max = 2147483647, .owned_by = "Post.id"},
      {.schema = "Odd Schema", .name = "s", .start = -1, .increment = -1, .min = -10, .max = -1, .cycle = true}};
  Table post{.name = "Post", .comment = "posts'\nall of them"};
  post.columns = {
      {.name = "id",
       .type = parse_type_sql("integer"),
       .not_null = true,
       .default_value =
           detail::described_default("nextval('public.\"Post_id_seq\"'::regclass)", parse_type_sql("integer"), false)},
      {.name = "title", .type = parse_type_sql("character varying(255)"), .comment = "the title"},
      {.name = "role",
       .type = parse_type_sql("public.\"UserRole\"[]"),
       .default_value = detail::described_default("ARRAY['USER'::public.\"UserRole\"]",
                                                  parse_type_sql("public.\"UserRole\"[]"), true)},
  };
  detail::add_constraint(post, "Post_pkey", "PRIMARY KEY (id)");
  detail::add_constraint(post, "Post_title_check", "CHECK (((title)::text <> ''::text))");
  post.indexes.push_back(
      detail::parse_index_definition("CREATE UNIQUE INDEX \"Post_title_key\" ON public.\"Post\" USING btree (title)")
          .index);
  c.tables.push_back(post);
  c.others = {
      {.kind = "function",
       .schema = "public",
       .name = "f(a integer)",
       .lines = {"CREATE OR REPLACE FUNCTION public.f(a integer)", " RETURNS integer", " LANGUAGE sql", "AS $function$",
                 "", "-- table public.not_a_header", "SELECT 1", "$function$;"}},
      {.kind = "trigger",
       .schema = "public",
       .name = "Trg on Post",
       .lines = {"CREATE TRIGGER \"Trg\" BEFORE INSERT ON public.\"Post\" FOR EACH ROW EXECUTE FUNCTION public.t();"}},
      {.kind = "view", .schema = "Odd Schema", .name = "v", .lines = {"CREATE VIEW \"Odd Schema\".v AS", " SELECT 1;"}},
  };
  pgkit::catalog::detail::sort_catalog(c);  // the order every catalog is kept in
  auto text = snapshot(c);
  EXPECT_NE(text.find("\n-- trigger \"Trg\" on public.\"Post\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ALTER SEQUENCE public.\"Post_id_seq\" OWNED BY public.\"Post\".id;\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("COMMENT ON TABLE public.\"Post\" IS 'posts''\nall of them';\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    E'back\\\\slash',\n"), std::string::npos) << text;
  auto back = read_snapshot(text);
  EXPECT_EQ(back, c);
  EXPECT_EQ(snapshot(back), text);

  std::string crlf;
  for (char ch : text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  EXPECT_EQ(read_snapshot(crlf), c) << "Windows line ends read the same";

  EXPECT_EQ(back.table("public", "Post")->column("title")->comment, "the title");
  EXPECT_EQ(back.table("public", "Post")->primary_key()->name, "Post_pkey");
  EXPECT_EQ(back.enumeration("public", "UserRole")->values.size(), 4u);
  EXPECT_EQ(back.table("public", "Nope"), nullptr);
  EXPECT_EQ(back.enumeration("other", "UserRole"), nullptr);
}

TEST(CatalogSnapshot, WhatCannotBeReadIsReportedWithItsLine) {
  EXPECT_EQ(error_of("CREATE TABLE x ();\n"),
            "snapshot line 1: expected a comment or a block header (\"-- table public.users\")");
  EXPECT_EQ(error_of(kTitle + "\n-- table public.t\nCREATE TABLE public.t (\n    id integer,\n    name wat wat\n);\n"),
            "snapshot line 6: \"wat wat\" is not a type as format_type() prints one");
  EXPECT_EQ(error_of(kTitle + "\n-- table public.t\nCREATE TABLE public.other (\n);\n"),
            "snapshot line 4: expected \"CREATE TABLE public.t (\"");
  EXPECT_EQ(error_of(kTitle + "\n-- table public.t\nCREATE TABLE public.t (\n    id integer\n);\n"
                              "ALTER TABLE ONLY public.t ADD CONSTRAINT k SOMETHING (id);\n"),
            "snapshot line 7: not a constraint definition: \"SOMETHING (id)\"");
  EXPECT_EQ(error_of(kTitle + "\n-- sequence public.s\nCREATE SEQUENCE public.s\n    AS bigint\n    START WITH x\n"
                              "    INCREMENT BY 1\n    MINVALUE 1\n    MAXVALUE 9\n    CACHE 1\n    NO CYCLE;\n"),
            "snapshot line 6: \"x\" is not a number");
  EXPECT_EQ(error_of(kTitle + "\n-- enum public.e\nCREATE TYPE public.e AS ENUM (\n    'a\n);\n"),
            "snapshot line 6: a quoted string or name does not end");
  EXPECT_EQ(error_of(kTitle + "\n-- view v\nCREATE VIEW v AS SELECT 1;\n"),
            "snapshot line 3: \"v\" is not a schema-qualified name");
  EXPECT_EQ(error_of(kTitle + "\n-- index public.i\nCREATE INDEX j ON public.t USING btree (a);\n"),
            "snapshot line 4: the definition is not the index public.i's");
  EXPECT_EQ(error_of(kTitle + "\n-- schema public\n"), "snapshot line 3: the schema public is empty");
}
