// The SQL of a generated client's writes (docs/design/client.md, "Writes"): INSERT, UPDATE,
// DELETE and INSERT … ON CONFLICT with RETURNING the model's columns (nested writes build on
// them in write_plan.cpp), and constraint errors named by the schema's fields, as Prisma names
// them.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "pgkit/client/errors.hpp"
#include "pgkit/client/write.hpp"
#include "text_cache.hpp"

namespace pgkit::client::detail {

namespace {

const std::string kMarker(1, kParam);

std::vector<std::string> split_fields(std::string_view fields) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= fields.size()) {
    std::size_t end = fields.find(',', start);
    if (end == std::string_view::npos) end = fields.size();
    out.emplace_back(fields.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "Key (author_id, title)=(1, x) already exists." → {"author_id", "title"}.
std::vector<std::string> detail_columns(const std::string& detail) {
  auto open = detail.find("Key (");
  auto close = detail.find(")=", open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> out;
  for (auto& c : split_fields(std::string_view(detail).substr(open + 5, close - open - 5))) {
    std::size_t a = c.find_first_not_of(" \""), b = c.find_last_not_of(" \"");
    out.push_back(a == std::string::npos ? c : c.substr(a, b - a + 1));
  }
  return out;
}

std::vector<std::string> fields_of(const Error& e, const Target& t) {
  for (const auto& c : t.constraints)
    if (c.name == e.constraint()) return split_fields(c.fields);
  return detail_columns(e.detail());
}

std::string column_list(std::span<const std::string_view> columns) {
  std::string out;
  for (auto c : columns) out += (out.empty() ? "" : ", ") + std::string(c);
  return out;
}

std::string markers(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + kMarker;
  return out;
}

std::string values_clause(const InsertRow& row) {
  if (row.columns.empty()) return " DEFAULT VALUES";
  return fmt::format(" ({}) VALUES ({})", column_list(row.columns), markers(row.columns.size()));
}

Fragment joined_sets(std::vector<Fragment> sets) {
  Fragment out;
  for (auto& s : sets) {
    out.sql += (out.sql.empty() ? "" : ", ") + s.sql;
    out.params.append(s.params);
  }
  return out;
}

std::string where_clause(const Fragment& where) { return where.sql.empty() ? "" : " WHERE " + where.sql; }

}  // namespace

void rethrow_write_error(const Target& t) {
  try {
    throw;
  } catch (const UniqueViolation& e) {
    throw UniqueConstraintFailed(e, fields_of(e, t));
  } catch (const ForeignKeyViolation& e) {
    throw ForeignKeyConstraintFailed(e, fields_of(e, t));
  }
}

Result run_write(const Executor& on, const Statement& st, const Target& t) {
  try {
    return on.run(st.sql, st.params, Repeat::unsafe, st.prepare);
  } catch (...) {
    rethrow_write_error(t);
  }
}

Timestamp WriteClock::now() {
  // Milliseconds, as JavaScript's Date that Prisma takes its time from.
  if (!now_)
    now_ = std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  return *now_;
}

namespace {

std::string insert_text(const Target& t, const InsertRow& row) {
  std::string key;
  key_part(key, t.table);
  key_part(key, t.returning);
  for (auto c : row.columns) key_part(key, c);
  auto make = [&] {
    return numbered(fmt::format("INSERT INTO {}{} RETURNING {}", t.table, values_clause(row), t.returning));
  };
  return cached_text(std::move(key), make);
}

}  // namespace

Statement insert_statement(const Target& t, const InsertRow& row) { return {insert_text(t, row), row.values}; }

Result insert(const Executor& on, const Target& t, const InsertRow& row) {
  // The row's values as they are: no Statement, so no copy of them.
  const std::string sql = insert_text(t, row);
  try {
    return on.run(sql, row.values, Repeat::unsafe, true);
  } catch (...) {
    rethrow_write_error(t);
  }
}

std::vector<Statement> insert_many_statements(const Target& t, const std::vector<InsertRow>& rows,
                                              bool skip_duplicates) {
  // The columns any row sets; a row without one writes DEFAULT, as Prisma's createMany does.
  std::vector<std::string_view> columns;
  for (const auto& r : rows)
    for (auto c : r.columns)
      if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
  // PostgreSQL takes at most 65535 parameters in a statement; Prisma cuts at 32767.
  constexpr std::size_t kMaxParams = 32767;
  const std::size_t per_statement = std::max<std::size_t>(1, kMaxParams / std::max<std::size_t>(1, columns.size()));
  std::vector<Statement> out;
  for (std::size_t first = 0; first < rows.size(); first += per_statement) {
    std::string values;
    Params params;
    for (std::size_t i = first; i < std::min(rows.size(), first + per_statement); ++i) {
      const InsertRow& r = rows[i];
      std::string row_sql;
      for (auto c : columns) {
        auto at = std::find(r.columns.begin(), r.columns.end(), c);
        row_sql += row_sql.empty() ? "" : ", ";
        row_sql += at == r.columns.end() ? "DEFAULT" : kMarker;
      }
      values += fmt::format("{}({})", values.empty() ? "" : ", ", columns.empty() ? "DEFAULT" : row_sql);
      // Parameters in column order, whatever order the row added them in.
      for (auto c : columns) {
        auto at = std::find(r.columns.begin(), r.columns.end(), c);
        if (at != r.columns.end()) params.append(r.values, static_cast<int>(at - r.columns.begin()));
      }
    }
    std::string sql = columns.empty()
                          ? fmt::format("INSERT INTO {} SELECT FROM generate_series(1, {})", t.table,
                                        std::min(rows.size() - first, per_statement))
                          : fmt::format("INSERT INTO {} ({}) VALUES {}", t.table, column_list(columns), values);
    if (skip_duplicates) sql += " ON CONFLICT DO NOTHING";
    // Not prepared: a batch's text depends on its size, and would fill the statement cache.
    out.push_back({numbered(sql), std::move(params), false});
  }
  return out;
}

std::int64_t insert_many(const Executor& on, const Target& t, const std::vector<InsertRow>& rows,
                         bool skip_duplicates) {
  std::int64_t written = 0;
  for (const auto& st : insert_many_statements(t, rows, skip_duplicates))
    written += run_write(on, st, t).affected_rows();
  return written;
}

Statement update_statement(const Target& t, std::vector<Fragment> sets, Fragment where, bool returning) {
  Fragment set = joined_sets(std::move(sets));
  std::string sql = fmt::format("UPDATE {} SET {}{}", t.table, set.sql, where_clause(where));
  if (returning) sql += fmt::format(" RETURNING {}", t.returning);
  set.params.append(where.params);
  return {numbered(sql), std::move(set.params)};
}

Result update(const Executor& on, const Target& t, std::vector<Fragment> sets, Fragment where, bool returning) {
  return run_write(on, update_statement(t, std::move(sets), std::move(where), returning), t);
}

Statement remove_statement(const Target& t, Fragment where, bool returning) {
  std::string sql = fmt::format("DELETE FROM {}{}", t.table, where_clause(where));
  if (returning) sql += fmt::format(" RETURNING {}", t.returning);
  return {numbered(sql), std::move(where.params)};
}

Result remove(const Executor& on, const Target& t, Fragment where, bool returning) {
  return run_write(on, remove_statement(t, std::move(where), returning), t);
}

Statement upsert_statement(const Target& t, const InsertRow& row, std::span<const std::string_view> conflict,
                           std::vector<Fragment> sets) {
  Fragment set = joined_sets(std::move(sets));
  std::string sql = fmt::format("INSERT INTO {}{} ON CONFLICT ({}) DO UPDATE SET {} RETURNING {}", t.table,
                                values_clause(row), column_list(conflict), set.sql, t.returning);
  Params params = row.values;
  params.append(set.params);
  return {numbered(sql), std::move(params)};
}

Result upsert(const Executor& on, const Target& t, const InsertRow& row, std::span<const std::string_view> conflict,
              std::vector<Fragment> sets) {
  return run_write(on, upsert_statement(t, row, conflict, std::move(sets)), t);
}

bool same_key_values(const Fragment& where, std::span<const std::string_view> key, const InsertRow& row) {
  if (where.params.size() != static_cast<int>(key.size())) return false;
  const char* const* wv = where.params.values();
  const char* const* rv = row.values.values();
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto at = std::find(row.columns.begin(), row.columns.end(), key[i]);
    if (at == row.columns.end()) return false;
    auto j = static_cast<std::size_t>(at - row.columns.begin());
    if (!wv[i] || !rv[j]) return false;
    if (std::string_view(wv[i], static_cast<std::size_t>(where.params.lengths()[i])) !=
        std::string_view(rv[j], static_cast<std::size_t>(row.values.lengths()[j])))
      return false;
  }
  return true;
}

void throw_nested_unsupported(std::string_view model, std::string_view relation) {
  throw UsageError({.message = fmt::format("{}.{}: a nested write needs the relation's key, which the client does not "
                                           "read (its type is Unsupported)",
                                           model, relation),
                    .hint = "write the related rows with their own calls, in db.transaction(…)"});
}

void throw_missing_relation(std::string_view model, std::string_view relation, std::string_view fields) {
  throw UsageError({.message = fmt::format("{}.{} is required: the create gives neither {} nor {} (connect or create)",
                                           model, relation, fields, relation),
                    .hint = fmt::format("set .{} = {{.connect = …}} or .{} = {{.create = …}}, or the field {}",
                                        relation, relation, fields)});
}

}  // namespace pgkit::client::detail
