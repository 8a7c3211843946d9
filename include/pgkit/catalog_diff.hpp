#pragma once
/// @file catalog_diff.hpp
/// One engine for every schema difference: diff() turns two catalogs (catalog.hpp) into an
/// ordered list of steps — data, testable without a database — and render_script() turns the
/// steps into the SQL Prisma Migrate would write for them (same statements, names, order and
/// `-- Step` comments), so a migration written by either tool reads the same.
///
/// @code
///   auto wanted = pgkit::schema::to_catalog(pgkit::schema::load("prisma/schema.prisma"));
///   auto plan = pgkit::catalog::diff(pgkit::catalog::describe(conn), wanted);
///   std::cout << pgkit::catalog::render_script(plan);        // the migration.sql
///   for (auto& w : pgkit::catalog::check_data_loss(plan, &conn)) std::cerr << w.message << "\n";
/// @endcode
///
/// No rename guessing: a renamed table or column is a drop and an add, and says so.

#include <optional>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"

namespace pgkit::catalog {

/// How a column's type change can be carried out.
enum class Cast { none, safe, risky, impossible };

/// What changed in a column that exists on both sides.
struct ColumnChanges {
  bool arity = false;  ///< nullable ↔ required ↔ list
  bool type = false;
  bool default_value = false;
  bool autoincrement = false;  ///< gained or lost its sequence default
  /// Identity, generated expression or collation differ (database catalogs only): the column
  /// is dropped and added again.
  bool definition = false;
  Cast cast = Cast::none;
  bool any() const { return arity || type || default_value || autoincrement || definition; }
};

/// One change inside an ALTER TABLE, in the order Prisma renders them.
struct TableChange {
  enum class Kind {
    drop_primary_key,
    rename_primary_key,
    drop_column,
    add_column,
    alter_column,
    recreate_column,
    add_primary_key,
    drop_check,
    add_check
  };
  Kind kind = Kind::add_column;
  std::string column;     ///< the column (drop: from's name; add/alter/recreate: to's name); the check's name
  ColumnChanges changes;  ///< alter_column and recreate_column
};

/// One step of a migration. Steps are ordered by kind (the order below), then by the position
/// of their object in its catalog — Prisma's order, which always applies.
struct Step {
  enum class Kind {
    create_schema,
    drop_extension,
    create_extension,
    alter_extension,
    drop_dependent,  ///< a view, materialized view or trigger (database catalogs only)
    create_enum,
    alter_enum,
    create_routine,   ///< a domain, composite type, function or procedure (database catalogs only)
    create_sequence,  ///< a standalone sequence (database catalogs only)
    drop_foreign_key,
    drop_index,
    alter_table,
    drop_table,
    drop_enum,
    drop_routine,
    drop_sequence,
    create_table,
    create_index,
    rename_foreign_key,
    add_foreign_key,
    rename_index,
    create_dependent,
  };
  Kind kind = Kind::create_table;
  std::string schema;
  std::string table;                      ///< the table (or enum, extension, schema, sequence, other's name)
  std::string name;                       ///< index, foreign key or other object; for renames the old name
  std::string new_name;                   ///< renames: the new name
  std::vector<TableChange> changes;       ///< alter_table
  std::vector<std::string> added_values;  ///< alter_enum
  std::vector<std::string> removed_values;
  bool unique_constraint = false;                  ///< create/drop_index of a UNIQUE constraint rather than an index
  bool recreated = false;                          ///< create_index after its column was dropped and recreated
  std::size_t from_position = 0, to_position = 0;  ///< sort keys: the object's place in each catalog
  std::size_t sub_position = 0;
};

/// A diff: both catalogs and the steps from one to the other.
struct Plan {
  Catalog from;
  Catalog to;
  std::vector<Step> steps;
  bool empty() const { return steps.empty(); }
};

/// Compare two catalogs. Only what both can speak for is compared: a catalog from a
/// schema.prisma has no functions, views, triggers, check constraints or standalone
/// sequences, so those are left alone when either side comes from one (as Prisma does).
Plan diff(Catalog from, Catalog to);

/// How the SQL names things.
struct RenderOptions {
  /// Names in this schema are written unqualified ("User"), others as "schema"."User".
  /// Prisma writes every name qualified when the datasource lists `schemas`.
  std::string default_schema = "public";
  bool qualify_all = false;
};

/// The migration script Prisma writes: per step a `-- CreateTable` comment line, its
/// statements each ending in ";\n", steps separated by a blank line. "" for an empty plan.
std::string render_script(const Plan& plan, const RenderOptions& options = {});
/// The statements of one step, without comments or terminating semicolons (for execution).
std::vector<std::string> render_step(const Plan& plan, const Step& step, const RenderOptions& options = {});

/// A readable summary, one block per object, as Prisma prints drift:
/// "[+] Added tables\n  - Post\n\n[*] Changed the `User` table\n  [+] Added column `bio`\n".
std::string summary(const Plan& plan);

/// A destructive or risky step found in a plan, with what the live data says about it.
struct DataLossWarning {
  std::string
      message;  ///< "You are about to drop the column `bio` on the `User` table, which still contains 3 non-null values."
  std::size_t step = 0;  ///< index into plan.steps
  /// True when the step cannot run against the data as it is (a required column added to a
  /// table with rows, no default): Prisma's "unexecutable" steps.
  bool unexecutable = false;
};

/// Warnings for the plan's destructive and risky steps. With a connection to the database the
/// plan will run on (the `from` side), counts rows and non-null values, and leaves out what
/// cannot lose anything (an empty table); without one, says what might be lost.
std::vector<DataLossWarning> check_data_loss(const Plan& plan, Connection* live = nullptr);

/// The `/* Warnings: … */` comment Prisma puts at the top of a migration file; "" when none.
std::string warnings_comment(const std::vector<DataLossWarning>& warnings);

}  // namespace pgkit::catalog
