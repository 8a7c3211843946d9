#pragma once
/// @file pipeline.hpp
/// Several statements sent in one round trip (libpq's pipeline mode), read back in order.
///
/// The batch ends with one Sync, so PostgreSQL runs it as one implicit transaction: all of it
/// commits, or — when a statement fails — none of it does, and the statements after the
/// failing one are not run. The error says which statement failed (Error::pipeline_index()).
///
/// @code
///   pgkit::Pipeline batch;
///   for (auto& item : items) batch.add("INSERT INTO items(id, name) VALUES ($1, $2)", item.id, item.name);
///   auto results = conn->pipeline(batch);              // or co_await async_conn.pipeline(batch)
/// @endcode

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "pgkit/params.hpp"

namespace pgkit {

class Pipeline {
 public:
  struct Item {
    std::string sql;
    std::source_location where;
    std::unique_ptr<Params> params;
  };

  /// Append a statement with its parameters (copied now).
  template <class... Args>
  Pipeline& add(Sql sql, const Args&... args) {
    items_.push_back({std::string(sql.text), sql.where, std::make_unique<Params>(args...)});
    return *this;
  }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  const std::vector<Item>& items() const { return items_; }

 private:
  std::vector<Item> items_;
};

}  // namespace pgkit
