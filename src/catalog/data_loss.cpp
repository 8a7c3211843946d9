// check_data_loss: which steps of a plan destroy data or may fail, in Prisma's words, counted
// against the live database when there is one ("…which still contains 3 non-null values").
// Table and column names come from the catalog (never from a request) and are quoted.
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/diff_internal.hpp"
#include "catalog/native_type.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"

namespace pgkit::catalog {
namespace {

// Counts, asked once each and kept: a plan may ask about one table several times.
class Counter {
 public:
  explicit Counter(Connection* conn) : conn_(conn) {}

  std::optional<std::int64_t> rows(const std::string& schema, const std::string& table) {
    if (!conn_) return std::nullopt;
    auto key = qualified(schema, table);
    auto [it, fresh] = rows_.try_emplace(key);
    if (fresh) it->second = count(fmt::format("SELECT count(*) FROM {}", key));
    return it->second;
  }

  // Rows whose values of columns (all non-null) appear more than once.
  std::optional<std::int64_t> duplicates(const std::string& schema, const std::string& table,
                                         const std::vector<std::string>& columns) {
    if (!conn_) return std::nullopt;
    std::vector<std::string> quoted, not_null;
    for (const auto& c : columns) {
      quoted.push_back(quote_ident(c));
      not_null.push_back(quote_ident(c) + " IS NOT NULL");
    }
    return count(
        fmt::format("SELECT coalesce(sum(n), 0)::bigint FROM (SELECT count(*) AS n FROM {} WHERE {} GROUP BY {} "
                    "HAVING count(*) > 1) d",
                    qualified(schema, table), fmt::join(not_null, " AND "), fmt::join(quoted, ", ")));
  }

  std::optional<std::int64_t> non_null(const std::string& schema, const std::string& table, const std::string& column) {
    if (!conn_) return std::nullopt;
    auto key = fmt::format("{} WHERE {} IS NOT NULL", qualified(schema, table), quote_ident(column));
    auto [it, fresh] = values_.try_emplace(key);
    if (fresh) it->second = count("SELECT count(*) FROM " + key);
    return it->second;
  }

 private:
  std::optional<std::int64_t> count(const std::string& sql) {
    try {
      return conn_->query(sql).scalar<std::int64_t>();
    } catch (const Error&) {
      return std::nullopt;  // a table the plan creates earlier, or no rights: say what might be lost
    }
  }

  Connection* conn_;
  std::map<std::string, std::optional<std::int64_t>> rows_, values_;
};

struct Checker {
  const Plan& plan;
  Counter counter;
  std::vector<DataLossWarning> out;

  void warn(std::size_t step, std::string message, bool unexecutable = false) {
    out.push_back({std::move(message), step, unexecutable});
  }

  void drop_table(std::size_t i, const Step& s) {
    auto rows = counter.rows(s.schema, s.table);
    if (rows && *rows == 0) return;
    warn(i, rows ? fmt::format("You are about to drop the `{}` table, which is not empty ({} rows).", s.table, *rows)
                 : fmt::format("You are about to drop the `{}` table. If the table is not empty, all the data it "
                               "contains will be lost.",
                               s.table));
  }

  void drop_column(std::size_t i, const Step& s, const std::string& column) {
    auto rows = counter.rows(s.schema, s.table);
    if (rows && *rows == 0) return;
    auto values = counter.non_null(s.schema, s.table, column);
    if (values && *values == 0) return;
    warn(i, values ? fmt::format("You are about to drop the column `{}` on the `{}` table, which still contains {} "
                                 "non-null values.",
                                 column, s.table, *values)
                   : fmt::format("You are about to drop the column `{}` on the `{}` table. All the data in the column "
                                 "will be lost.",
                                 column, s.table));
  }

  void add_column(std::size_t i, const Step& s, const Column& c) {
    if (!c.not_null || c.default_value || !c.generated.empty() || c.identity) return;
    auto rows = counter.rows(s.schema, s.table);
    if (rows && *rows == 0) return;
    warn(i,
         fmt::format(
             "Added the required column `{}` to the `{}` table without a default value. {}", c.name, s.table,
             rows ? fmt::format("There are {} rows in this table, it is not possible to execute this step.", *rows)
                  : std::string("This is not possible if the table is not empty.")),
         true);
  }

  void alter_column(std::size_t i, const Step& s, const Column& a, const Column& b, const ColumnChanges& ch) {
    auto pa = detail::arity(a), pb = detail::arity(b);
    if (ch.arity && pa == detail::Arity::nullable && pb == detail::Arity::required) {
      auto rows = counter.rows(s.schema, s.table);
      auto values = counter.non_null(s.schema, s.table, a.name);
      if (rows && values) {
        if (*rows != 0 && *rows - *values != 0)
          warn(i,
               fmt::format("Made the column `{}` on table `{}` required, but there are {} existing NULL values.",
                           a.name, s.table, *rows - *values),
               true);
      } else {
        warn(i,
             fmt::format("Made the column `{}` on table `{}` required. This step will fail if there are existing "
                         "NULL values in that column.",
                         a.name, s.table),
             true);
      }
    }
    if (ch.arity && pa != detail::Arity::list && pb == detail::Arity::list) {
      auto values = counter.non_null(s.schema, s.table, a.name);
      if (!values || *values != 0)
        warn(i,
             fmt::format("Changed the column `{}` on the `{}` table from a scalar field to a list field. {}", a.name,
                         s.table,
                         values ? fmt::format("There are {} existing non-null values in that column, this "
                                              "step cannot be executed.",
                                              *values)
                                : std::string("If there are non-null values in that column, this step will fail.")),
             true);
    }
    if (ch.cast == Cast::risky || ch.cast == Cast::impossible) {
      auto rows = counter.rows(s.schema, s.table);
      auto values = counter.non_null(s.schema, s.table, a.name);
      if ((rows && *rows == 0) || (values && *values == 0)) return;
      auto from = detail::display_type(a.type), to = detail::display_type(b.type);
      std::string tail = ch.cast == Cast::impossible
                             ? " This cast may fail. Please make sure the data in the column can be cast."
                             : "";
      warn(i,
           values
               ? fmt::format("You are about to alter the column `{}` on the `{}` table, which contains {} non-null "
                             "values. The data in that column will be cast from `{}` to `{}`.{}",
                             a.name, s.table, *values, from, to, tail)
               : fmt::format("You are about to alter the column `{}` on the `{}` table.{} The data in that column "
                             "will be cast from `{}` to `{}`.{}",
                             a.name, s.table, ch.cast == Cast::risky ? " The data in that column could be lost." : "",
                             from, to, tail));
    }
  }

  void recreate_column(std::size_t i, const Step& s, const Column& a, const Column& b, const ColumnChanges& ch) {
    auto rows = counter.rows(s.schema, s.table);
    if (rows && *rows == 0) return;
    if (b.not_null && !b.default_value && ch.arity && detail::arity(a) == detail::Arity::nullable) {
      warn(i,
           fmt::format(
               "Added the required column `{}` to the `{}` table without a default value. {}", b.name, s.table,
               rows ? fmt::format("There are {} rows in this table, it is not possible to execute this step.", *rows)
                    : std::string("This is not possible if the table is not empty.")),
           true);
    } else if (b.not_null && !b.default_value) {
      warn(i,
           rows ? fmt::format("Changed the type of `{}` on the `{}` table. No cast exists, the column would be dropped "
                              "and recreated, which cannot be done since the column is required and there is data "
                              "in the table.",
                              b.name, s.table)
                : fmt::format("Changed the type of `{}` on the `{}` table. No cast exists, the column would be dropped "
                              "and recreated, which cannot be done if there is data, since the column is required.",
                              b.name, s.table),
           true);
    } else {
      auto values = counter.non_null(s.schema, s.table, a.name);
      if (values && *values == 0) return;
      warn(i, fmt::format(
                  "The `{}` column on the `{}` table would be dropped and recreated. This will lead to data loss{}.",
                  a.name, s.table, values ? "" : " if there is data in the column"));
    }
  }

  // Prisma warns of every unique index added to an existing table; with the data at hand, only
  // of one whose columns hold duplicates — and then it cannot run.
  void unique_addition(std::size_t i, const Step& s, const Index& idx) {
    std::vector<std::string> cols;
    for (const auto& k : idx.keys) cols.push_back(k.column);
    const Table* before = plan.from.table(s.schema, s.table);
    const Table* after = plan.to.table(s.schema, s.table);
    bool known = true, all_null = false, one_value = false;
    for (const auto& c : cols) {
      if (c.empty())
        known = false;  // an expression
      else if (!before->column(c)) {
        // A column added by this migration holds NULL in every row (never equal), or its default.
        const Column* added = after->column(c);
        if (added && !added->not_null && !added->default_value)
          all_null = true;
        else if (added && added->default_value && added->default_value->kind != DefaultKind::sequence)
          one_value = true;
        else
          known = false;
      }
    }
    if (all_null) return;
    std::optional<std::int64_t> duplicates;
    if (known && one_value) {
      auto rows = counter.rows(s.schema, s.table);
      if (rows) duplicates = *rows > 1 ? *rows : 0;
    } else if (known) {
      duplicates = counter.duplicates(s.schema, s.table, cols);
    }
    if (duplicates && *duplicates == 0) return;
    std::string message =
        fmt::format("A unique constraint covering the columns `[{}]` on the table `{}` will be added. ",
                    fmt::join(cols, ","), s.table);
    if (duplicates)
      warn(i, message + fmt::format("There are {} duplicate values, this will fail.", *duplicates), true);
    else
      warn(i, message + "If there are existing duplicate values, this will fail.");
  }

  void run() {
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      const Step& s = plan.steps[i];
      switch (s.kind) {
        case Step::Kind::drop_table: drop_table(i, s); break;
        case Step::Kind::alter_table: {
          const Table& prev = *plan.from.table(s.schema, s.table);
          const Table& next = *plan.to.table(s.schema, s.table);
          for (const auto& c : s.changes) {
            switch (c.kind) {
              case TableChange::Kind::drop_column: drop_column(i, s, c.column); break;
              case TableChange::Kind::add_column: add_column(i, s, *next.column(c.column)); break;
              case TableChange::Kind::alter_column:
                alter_column(i, s, *prev.column(c.column), *next.column(c.column), c.changes);
                break;
              case TableChange::Kind::recreate_column:
                recreate_column(i, s, *prev.column(c.column), *next.column(c.column), c.changes);
                break;
              case TableChange::Kind::drop_primary_key: {
                auto rows = counter.rows(s.schema, s.table);
                if (!rows || *rows != 0)
                  warn(i, fmt::format("The primary key for the `{}` table will be changed. If it partially fails, the "
                                      "table could be left without primary key constraint.",
                                      s.table));
                break;
              }
              default: break;
            }
          }
          break;
        }
        case Step::Kind::create_index: {
          if (s.recreated || !plan.from.table(s.schema, s.table)) break;  // new tables have no duplicates
          const Table& next = *plan.to.table(s.schema, s.table);
          for (const auto& idx : next.indexes)
            if (idx.name == s.name && idx.is_unique()) unique_addition(i, s, idx);
          break;
        }
        case Step::Kind::alter_enum:
          if (!s.removed_values.empty())
            warn(i, fmt::format("The values [{}] on the enum `{}` will be removed. If these variants are still used in "
                                "the database, this will fail.",
                                fmt::join(s.removed_values, ","), s.table));
          break;
        default: break;
      }
    }
  }
};

}  // namespace

std::vector<DataLossWarning> check_data_loss(const Plan& plan, Connection* live) {
  Checker checker{plan, Counter(live), {}};
  checker.run();
  return std::move(checker.out);
}

std::string warnings_comment(const std::vector<DataLossWarning>& warnings) {
  if (warnings.empty()) return "";
  std::string out = "/*\n  Warnings:\n\n";
  for (const auto& w : warnings) out += fmt::format("  - {}\n", w.message);
  return out + "\n*/\n";
}

}  // namespace pgkit::catalog
