#pragma once
// Types and defaults as the server spells them, for the describer, read_snapshot() and the
// calculator (src/schema): format_type()'s spelling built from a catalog::Type and read back,
// and a default's expression classified the way Prisma's describer classifies it.
#include <optional>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"

namespace pgkit::catalog::detail {

/// format_type(oid, typmod)'s spelling of type, from its schema, name, args and dimensions:
/// "integer", "character varying(255)", "numeric(10,2)", "timestamp(3) without time zone",
/// "bit varying(5)", "bpchar" (bpchar without a length), "\"bit\"" (bit without one),
/// "public.\"UserRole\"[]". User types are qualified (the describer pins an empty search_path);
/// arguments of user types are printed as given. Interval fields ("interval year to month") and
/// non-numeric modifiers (PostGIS's "geometry(Point,4326)") have no place in Type: only
/// Type::sql keeps them.
std::string format_type(const Type& type);

/// The inverse of format_type(): "character varying(255)[]" → {pg_catalog, varchar, {255}, 1}.
/// sql is kept as given in Type::sql. Modifiers of user types are left in sql only, as the
/// describer leaves them. @throws std::invalid_argument when sql is not a type name
Type parse_type_sql(const std::string& sql);

/// A builtin type's declared modifiers from pg_attribute.atttypmod: varchar/bpchar length,
/// numeric precision and scale, time/timetz/timestamp/timestamptz/interval precision, bit and
/// varbit length. {} for -1, for other types and for user types.
std::vector<int> typmod_args(const std::string& schema, const std::string& name, int typmod);

/// How Prisma's describer reads a column type when it classifies a default (its column type
/// family): a column of one of the catalog's enums is `enumeration`; uuid, domains, composite
/// and other types are `other`, whose defaults are always expressions.
enum class ValueFamily { string, integer, decimal, boolean, datetime, json, binary, enumeration, other };
ValueFamily value_family(const Type& type, bool is_enum);

/// A default's expression (as pg_get_expr() prints it) classified as Prisma's describer does
/// for a column of type (is_enum: the type is one of the catalog's enums, or an array of one):
///   nextval('s'::regclass) on an integer column          → sequence, value "s" (unqualified)
///   now(), CURRENT_TIMESTAMP on a date/time column        → now
///   'abc'::text, 5, '-5'::integer, 1.5, true, 'USER'::public."UserRole", '{}'::jsonb,
///   '\x01'::bytea, ARRAY['a'::text, 'b'::text], '{a,b}'::text[] on a column they fit
///                                                         → value: "abc", "5", "-5", "1.5",
///     "true", "USER", "{}", "\x01", "{a,b}" (lists in PostgreSQL's array syntax)
///   anything else                                         → expression
/// nullopt for a NULL default (NULL::text), which Prisma reads as no default at all.
std::optional<Default> classify_default(const std::string& expression, const Type& type, bool is_enum);

/// A string constant as SQL writes it: 'it''s'.
std::string sql_literal(const std::string& value);

/// One element of an array constant as PostgreSQL's array_out writes it: quoted when empty,
/// NULL, or holding braces, commas, quotes, backslashes or white space ("a b" → "\"a b\"").
std::string array_element(const std::string& value);

}  // namespace pgkit::catalog::detail
