#include "pgkit/client/errors.hpp"
#include "pgkit/client/loaded.hpp"

#include <string>

#include "pgkit/client/model.hpp"

namespace pgkit::client {

void throw_not_loaded(const char* relation) {
  throw NotLoaded({.message = std::string("relation ") + relation + " was not loaded",
                   .hint = "include it in the call (.include = {…}) to read it"});
}

void throw_not_an_enum_value(std::string_view enum_name, std::string_view text) {
  throw ConversionError({.message = "\"" + std::string(text) + "\" is not a value of enum " + std::string(enum_name),
                         .hint = "the database holds a value the schema does not list: add it to the enum, or "
                                 "run the migration that removed it"});
}

// Prisma 7's P2025 text: "An operation failed because it depends on one or more records that
// were required but not found. No record was found for a query."
RecordNotFound::RecordNotFound(std::string_view model, std::string_view operation)
    : Error({.message = "An operation failed because it depends on one or more records that were required but not "
                        "found. No " +
                        std::string(model) + " record was found for a" + (operation == "update" ? "n " : " ") +
                        std::string(operation) + ".",
             .hint = "the filter matched no row"}),
      model_(model) {}

namespace {

// "(`authorId`,`title`)", as Prisma's P2002 and P2003 messages list fields.
std::string field_list(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "`" : ",`") + f + "`";
  return "(" + out + ")";
}

ErrorFields with_message(const Error& cause, std::string message) {
  ErrorFields f = cause.fields();
  f.message = std::move(message);
  return f;
}

}  // namespace

UniqueConstraintFailed::UniqueConstraintFailed(const Error& cause, std::vector<std::string> fields)
    : UniqueViolation(with_message(cause, "Unique constraint failed on the fields: " + field_list(fields)),
                      cause.where()),
      fields_(std::move(fields)) {}

ForeignKeyConstraintFailed::ForeignKeyConstraintFailed(const Error& cause, std::vector<std::string> fields)
    : ForeignKeyViolation(with_message(cause, "Foreign key constraint violated on the fields: " + field_list(fields)),
                          cause.where()),
      fields_(std::move(fields)) {}

}  // namespace pgkit::client
