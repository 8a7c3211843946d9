#pragma once
// The libpq result behind pgkit::Result. Private: only src/connection sees libpq.
#include <libpq-fe.h>

#include <memory>

#include "pgkit/result.hpp"

namespace pgkit {

struct Result::Data {
  explicit Data(PGresult* r) : res(r) {}
  ~Data() { PQclear(res); }
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
  PGresult* res;
};

struct ResultAccess {
  /// The Result that owns r from now on.
  static Result make(PGresult* r) { return Result(std::make_shared<const Result::Data>(r)); }
};

}  // namespace pgkit
