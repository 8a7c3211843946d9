#include "pgkit/error.hpp"

#include <string_view>

#include <fmt/format.h>

#include "pgkit/config.hpp"

namespace pgkit {
namespace {

std::string compose(const ErrorFields& f, const std::source_location& where) {
  std::string out = f.sqlstate.empty() ? f.message : fmt::format("{} (SQLSTATE {})", f.message, f.sqlstate);
  if (!f.detail.empty()) out += fmt::format("\n  detail: {}", f.detail);
  if (!f.hint.empty()) out += fmt::format("\n  hint: {}", f.hint);
  if (!f.statement.empty()) {
    // Long statements (migrations) are cut: the message must stay readable in a log line.
    constexpr std::size_t kMax = 300;
    std::string_view s = f.statement;
    out += fmt::format("\n  statement: {}{}", s.substr(0, kMax), s.size() > kMax ? " …" : "");
  }
  if (where.line() != 0)
    out += fmt::format("\n  at: {}:{} ({})", where.file_name(), where.line(), where.function_name());
  return mask_secrets(out);
}

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

Error::Error(ErrorFields fields, std::source_location where)
    : std::runtime_error(compose(fields, where)), fields_(std::move(fields)), where_(where) {}

bool is_connection_error(const std::string& s) {
  return starts(s, "08") || s == "57P01" || s == "57P02" || s == "57P03";
}

void throw_error(ErrorFields f, std::source_location where) {
  const std::string& s = f.sqlstate;
  if (s == "28P01" || s == "28000") throw AuthenticationFailed(std::move(f), where);
  if (s == "53300") throw TooManyConnections(std::move(f), where);
  if (s == "57P01" || s == "57P02" || s == "57P03") throw ServerShuttingDown(std::move(f), where);
  if (starts(s, "08")) throw ConnectionLost(std::move(f), where);
  if (s == "57014") throw Timeout(std::move(f), where);
  if (s == "40001") throw SerializationFailure(std::move(f), where);
  if (s == "40P01") throw DeadlockDetected(std::move(f), where);
  if (s == "23505") throw UniqueViolation(std::move(f), where);
  if (s == "23503") throw ForeignKeyViolation(std::move(f), where);
  if (s == "23502") throw NotNullViolation(std::move(f), where);
  if (s == "23514") throw CheckViolation(std::move(f), where);
  if (starts(s, "23")) throw ConstraintViolation(std::move(f), where);
  if (s == "42501") throw InsufficientPrivilege(std::move(f), where);
  if (starts(s, "42")) throw SyntaxError(std::move(f), where);
  if (s == "25006") throw ReadOnlyTransaction(std::move(f), where);
  throw Error(std::move(f), where);
}

}  // namespace pgkit
