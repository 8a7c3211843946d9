#pragma once
// The studio's JSON API (docs/studio.md lists it): the tables with estimated row counts, and
// their rows a page at a time. Names in a request are looked up in the catalog the studio
// described at start; what is not there is refused.
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <memory>

#include "http/http.hpp"
#include "pgkit/async.hpp"
#include "pgkit/catalog.hpp"
#include "studio/pages.hpp"
#include "studio/relations.hpp"
#include "studio/schema_model.hpp"

namespace pgkit::studio {

class Api {
 public:
  /// read_only: saves run in READ ONLY transactions (the database refuses them), and the
  /// tables say so.
  /// model: the schema.prisma the user named (nullptr: none), for its names and the relations
  /// it declares; time_zone: the one the sessions show timestamps in (the page names it in its
  /// editors).
  Api(AsyncPool pool, catalog::Catalog catalog, const schema::Schema* model, bool read_only, std::string time_zone);
  Api(const Api&) = delete;  // relations_ points into catalog_
  Api& operator=(const Api&) = delete;

  /// GET /api/tables: {readOnly, timeZone, tables: [{schema, name, model, estimatedRows, key,
  /// readOnly, columns: [{name, field, type, nullable, default, values?}], relations,
  /// referencedBy}] (relations.hpp, both ways; model and field: the schema's names, or null;
  /// default: what a new row gets when the column is left out, as written, or null)
  boost::asio::awaitable<http::Response> tables(http::Request& req);
  /// GET /api/rows?schema=&name=[&where=…][&order=…][&after=[…]][&limit=]: {rows: [{version,
  /// cursor, values}], next} (filters.hpp: where and order)
  boost::asio::awaitable<http::Response> rows(http::Request& req);
  /// GET /api/count?schema=&name=[&where=…][&atMost=N]: {count} — exact, under a statement
  /// timeout; with atMost, rows past N + 1 are not counted (a row's back-relations: bounded).
  boost::asio::awaitable<http::Response> count(http::Request& req);
  /// GET /api/export?schema=&name=[&where=…][&order=…][&format=csv|json]: every row of the
  /// view, streamed from a cursor in a read-only transaction (export.hpp).
  boost::asio::awaitable<http::Response> export_rows(http::Request& req);
  /// GET /api/value?schema=&name=&key=[…]&column=: a bytea value of one row, streamed a
  /// slice at a time from one snapshot (binary.hpp).
  boost::asio::awaitable<http::Response> download(http::Request& req);
  /// POST /api/sql {sql, write}: one statement, as console.hpp says: {columns, rows, more,
  /// command, affected, wrote}, or 400 {error: {code, message, detail?, hint?, position?}}.
  boost::asio::awaitable<http::Response> console(http::Request& req);
  /// POST /api/save {schema, name, changes: […]} (edits.hpp), in one transaction: {saved}, or
  /// 409 {conflicts: [{change, version, values}]} for rows changed since they were read (then
  /// nothing is saved; values null: the row is gone).
  boost::asio::awaitable<http::Response> save(http::Request& req);

 private:
  const catalog::Table& table_of(const http::Request& req) const;
  /// A place for one streamed answer (an export, a download), kept until it ends: at most
  /// kMaxStreams at once, so that the pool (4 connections) still serves the pages.
  /// @throws http::HttpError 503 when they are all taken
  std::shared_ptr<void> stream_slot();
  /// The view's filter and sort (?where=, ?order=) on t.
  static View view_of(const http::Request& req, const catalog::Table& t);

  AsyncPool pool_;
  catalog::Catalog catalog_;
  std::vector<Relation> relations_;
  SchemaModel schema_;
  bool read_only_;
  std::string time_zone_;
  std::atomic<int> streams_{0};
};

}  // namespace pgkit::studio
