#include "pgkit/result.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "connection/result_data.hpp"
#include "pgkit/error.hpp"

namespace pgkit {

void Row::throw_null(int column) const {
  throw ConversionError({.message = fmt::format("column \"{}\" is NULL; read it as std::optional<…> to accept NULL",
                                                PQfname(result_.data_->res, column))});
}
void Row::throw_conversion(int column, std::string_view what) const {
  throw ConversionError({.message = fmt::format("column \"{}\": {}", PQfname(result_.data_->res, column), what)});
}
std::string_view Row::text(int column) const {
  const PGresult* res = result_.data_->res;
  if (index_ < 0 || index_ >= PQntuples(res) || column < 0 || column >= PQnfields(res))
    throw UsageError({.message = fmt::format("no field at row {}, column {} (the result has {} rows, {} columns)",
                                             index_, column, PQntuples(res), PQnfields(res))});
  return {PQgetvalue(res, index_, column), static_cast<std::size_t>(PQgetlength(res, index_, column))};
}
bool Row::is_null(int column) const {
  text(column);  // bounds check
  return PQgetisnull(result_.data_->res, index_, column) != 0;
}

int Result::size() const { return data_ ? PQntuples(data_->res) : 0; }
int Result::columns() const { return data_ ? PQnfields(data_->res) : 0; }
std::string Result::column_name(int column) const {
  const char* n = data_ ? PQfname(data_->res, column) : nullptr;
  if (!n) throw UsageError({.message = fmt::format("no column {}", column)});
  return n;
}
int Result::column(std::string_view name) const {
  int i = data_ ? PQfnumber(data_->res, std::string(name).c_str()) : -1;
  if (i < 0) throw UsageError({.message = fmt::format("the result has no column \"{}\"", name)});
  return i;
}
std::int64_t Result::affected_rows() const {
  const char* n = data_ ? PQcmdTuples(data_->res) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}
std::string Result::command_tag() const { return data_ ? PQcmdStatus(data_->res) : ""; }
Row Result::operator[](int i) const {
  if (i < 0 || i >= size())
    throw UsageError({.message = fmt::format("row {} requested, but the result has {} rows", i, size())});
  return Row(*this, i);
}
Row Result::one() const {
  if (empty()) throw UsageError({.message = "expected a row, but the query returned none"});
  return Row(*this, 0);
}

}  // namespace pgkit
