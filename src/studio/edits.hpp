#pragma once
// Saving staged changes (docs/studio.md, "Editing"): updates, inserts and deletes of one table,
// all in one transaction. An update or a delete names its row by the key and by the version
// (xmin) the user read: a row changed or deleted since is not touched, and the whole save is
// refused with what the row holds now (optimistic concurrency, never last-writer-wins).
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pgkit/catalog.hpp"
#include "studio/pages.hpp"

namespace pgkit::studio {

struct Change {
  enum class Kind { update, insert, remove };
  Kind kind;
  std::vector<std::optional<std::string>> key;  // update, remove: the key's values, in key order
  std::string version;                          // update, remove: the xmin the user read
  std::vector<std::pair<const catalog::Column*, std::optional<std::string>>> values;  // update, insert
};

/// The changes of a save's body ({"changes": [{"op": "update", "key": […], "version": …,
/// "values": {column: text | null}}, {"op": "insert", "values": {…}}, {"op": "delete", "key":
/// […], "version": …}]}). @throws http::HttpError 400 naming what is wrong
std::vector<Change> changes_of(const catalog::Table& t, const std::vector<std::string>& key,
                               const boost::json::value& body);

/// `(t.a, t.b) = ($i, $i+1)`: the row whose key columns hold `values` (one per key column),
/// the values added to params.
std::string key_condition(const std::vector<std::string>& key, const std::vector<std::optional<std::string>>& values,
                          Params& params);

/// The statement of one change; an update or delete touches no row when the version differs.
Statement change_statement(const catalog::Table& t, const std::vector<std::string>& key, const Change& c);

/// The row a refused change names, as it is now: SELECT xmin, then the page's columns.
Statement current_row_statement(const catalog::Table& t, const std::vector<std::string>& key, const Change& c);

}  // namespace pgkit::studio
