#pragma once
/// @file client/errors.hpp
/// The errors a generated client's caller acts on, with Prisma's codes and messages so that
/// a handler ported from Prisma Client finds the same facts.

#include <string>
#include <string_view>
#include <vector>

#include "pgkit/error.hpp"

namespace pgkit::client {

/// No row matched a call that needs one (Prisma's P2025): find_unique_or_throw,
/// find_first_or_throw, update, delete_. The message names the model.
class RecordNotFound : public Error {
 public:
  RecordNotFound(std::string_view model, std::string_view operation);
  static constexpr std::string_view code = "P2025";
  const std::string& model() const noexcept { return model_; }

 private:
  std::string model_;
};

/// A unique constraint refused the row (Prisma's P2002): "Unique constraint failed on the
/// fields: (`email`)". A UniqueViolation, so handlers of pgkit's own errors still catch it.
class UniqueConstraintFailed : public UniqueViolation {
 public:
  UniqueConstraintFailed(const Error& cause, std::vector<std::string> fields);
  static constexpr std::string_view code = "P2002";
  /// The schema names of the constraint's fields (its columns when the schema does not know it).
  const std::vector<std::string>& fields() const noexcept { return fields_; }

 private:
  std::vector<std::string> fields_;
};

/// A foreign key refused the write (Prisma's P2003): a row that refers to a missing one, or
/// a delete of a row others still refer to.
class ForeignKeyConstraintFailed : public ForeignKeyViolation {
 public:
  ForeignKeyConstraintFailed(const Error& cause, std::vector<std::string> fields);
  static constexpr std::string_view code = "P2003";
  const std::vector<std::string>& fields() const noexcept { return fields_; }

 private:
  std::vector<std::string> fields_;
};

}  // namespace pgkit::client
