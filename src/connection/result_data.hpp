#pragma once
// The libpq result behind pgkit::Result. Private: only src/connection sees libpq.
#include <libpq-fe.h>

#include <memory>

#include "pgkit/result.hpp"

namespace pgkit::detail {

struct ResultData {
  explicit ResultData(PGresult* r) : res(r) {}
  ~ResultData() { PQclear(res); }
  ResultData(const ResultData&) = delete;
  ResultData& operator=(const ResultData&) = delete;
  PGresult* res;
};

inline Result make_result(PGresult* r) { return Result(std::make_shared<const ResultData>(r)); }

}  // namespace pgkit::detail
