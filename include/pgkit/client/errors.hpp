#pragma once
/// @file client/errors.hpp
/// The errors a generated client's caller acts on, with Prisma's codes and messages so that
/// a handler ported from Prisma Client finds the same facts.

#include <string>
#include <string_view>

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

}  // namespace pgkit::client
