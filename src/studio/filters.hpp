#pragma once
// A view's filter and sort, as the page sends them (JSON), made into SQL on one table: every
// column looked up in the catalog, every value a parameter. docs/studio.md lists the
// operators.
//
//   where := {"all": [where…]} | {"any": [where…]} | {"not": where}
//          | {"column": name, "op": op, "value": text | [text…] | null, "insensitive": bool}
//   order := [{"column": name, "desc": bool}…]
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/client/where.hpp"

namespace pgkit::studio {

/// The condition on rows of `t` (the table is `t` in the statement). Absent (null): none.
/// @throws http::HttpError 400 naming the column, operator or value that is wrong
client::detail::Fragment filter_of(const catalog::Table& t, const boost::json::value& where);

/// Whether rows can be sorted by c (json, xml and bytea have no order).
bool sortable(const catalog::Column& c);

struct SortTerm {
  const catalog::Column* column;
  bool descending = false;
};

/// The sort the page asked for. @throws http::HttpError 400 for an unknown column or one that
/// has no order (json, xml, bytea)
std::vector<SortTerm> order_of(const catalog::Table& t, const boost::json::value& order);

}  // namespace pgkit::studio
