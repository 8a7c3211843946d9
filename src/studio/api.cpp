#include "studio/api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "pgkit/config.hpp"
#include "pgkit/error.hpp"
#include "pgkit/schema.hpp"

#include "pgkit/client/read.hpp"
#include "studio/edits.hpp"
#include "studio/filters.hpp"
#include "studio/pages.hpp"

namespace pgkit::studio {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A page's statements are bounded: a table scan that outlives this is cancelled on the server.
constexpr std::chrono::milliseconds kPageTimeout = 10s;
constexpr std::chrono::milliseconds kCountTimeout = 30s;
constexpr int kDefaultPage = 100, kMaxPage = 1000, kMaxCount = 1'000'000;

// Estimated rows from statistics (no count(*) at start): reltuples once analysed, else the
// live tuples the statistics collector counted; a partitioned table's, its partitions' sum.
constexpr std::string_view kEstimates = R"(
WITH estimate AS (
  SELECT c.oid, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE coalesce(s.n_live_tup, 0) END AS n
  FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
  WHERE c.relkind = 'r')
SELECT n.nspname, c.relname,
       CASE WHEN c.relkind = 'p'
            THEN (SELECT coalesce(sum(e.n), 0)::bigint FROM pg_partition_tree(c.oid) p JOIN estimate e ON e.oid = p.relid)
            ELSE (SELECT e.n FROM estimate e WHERE e.oid = c.oid) END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p'))";

json::value text_or_null(const Row& row, int i) {
  if (row.is_null(i)) return nullptr;
  return json::string(row.text(i));
}

// A whole-number query parameter from 1 to max; fallback when absent.
int number_param(const http::Request& req, std::string_view name, int fallback, int max) {
  auto given = req.query_param(name);
  if (!given) return fallback;
  int n = 0;
  auto [end, ec] = std::from_chars(given->data(), given->data() + given->size(), n);
  if (ec != std::errc{} || end != given->data() + given->size() || n < 1 || n > max)
    throw http::HttpError(400, "invalid_request", fmt::format("{} must be a whole number from 1 to {}", name, max));
  return n;
}

// A query parameter holding JSON (a filter, a sort, a cursor); null when absent.
json::value json_param(const http::Request& req, std::string_view name) {
  auto given = req.query_param(name);
  if (!given || given->empty()) return nullptr;
  json::error_code ec;
  json::value v = json::parse(*given, ec);
  if (ec) throw http::HttpError(400, "invalid_request", std::string(name) + " is not JSON: " + ec.message());
  return v;
}

// The cursor a page handed out (`next`), back from the browser: a JSON array of texts or nulls,
// one per cursor column.
std::vector<std::optional<std::string>> cursor_of(const http::Request& req, std::size_t columns) {
  json::value v = json_param(req, "after");
  if (v.is_null()) return {};
  if (!v.is_array() || v.as_array().size() != columns)
    throw http::HttpError(400, "invalid_request",
                          "after must be the `next` value of the previous page of the same view (a JSON array of " +
                              std::to_string(columns) + " values)");
  std::vector<std::optional<std::string>> out;
  for (const auto& x : v.as_array()) {
    if (x.is_null())
      out.emplace_back();
    else if (x.is_string())
      out.emplace_back(std::string(x.as_string()));
    else
      throw http::HttpError(400, "invalid_request", "after holds texts and nulls only");
  }
  return out;
}

json::value name_or_null(const std::string* name) { return name ? json::value(*name) : json::value(nullptr); }

// What a new row gets in c when it is left out: the client's value (a schema's uuid(), say),
// else the database's default, identity or generated expression; null: NULL.
json::value default_of(const catalog::Column& c, const std::optional<std::string>& client_default) {
  if (client_default) return json::value(*client_default);
  if (!c.generated.empty()) return json::value("generated: " + c.generated);
  if (c.identity) return json::value("identity");
  if (c.default_value) return json::value(c.default_value->expression);
  return nullptr;
}

json::object column_json(const catalog::Catalog& cat, const catalog::Column& c, const std::string* field,
                         const std::optional<std::string>& client_default) {
  json::object o{{"name", c.name},
                 {"field", name_or_null(field)},
                 {"type", c.type.sql},
                 {"nullable", !c.not_null},
                 {"default", default_of(c, client_default)}};
  if (const catalog::Enum* e = cat.enumeration(c.type.schema, c.type.name)) {
    json::array values;
    for (const auto& v : e->values) values.emplace_back(v);
    o["values"] = std::move(values);
  }
  if (c.type.builtin() && c.type.name == "bytea" && c.type.dimensions == 0) o["binary"] = true;
  o["sortable"] = sortable(c);
  return o;
}

json::array names(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& n : list) out.emplace_back(n);
  return out;
}

// A relation as the page follows it: `table` is the other end's.
json::object relation_json(const Relation& r, const catalog::Table& other) {
  return json::object{{"name", r.name},
                      {"table", json::object{{"schema", other.schema}, {"name", other.name}}},
                      {"columns", names(r.columns)},
                      {"referencedColumns", names(r.referenced)}};
}

}  // namespace

Api::Api(AsyncPool pool, catalog::Catalog catalog, const schema::Schema* model, bool read_only, std::string time_zone)
    : pool_(pool),
      catalog_(std::move(catalog)),
      relations_(relations_of(catalog_)),
      read_only_(read_only),
      time_zone_(std::move(time_zone)) {
  if (!model) return;
  schema_ = SchemaModel(*model);
  // The schema's relations as foreign keys, whatever its relationMode says: with "prisma" the
  // database has none, and these are all the studio can follow.
  schema::Schema with_keys = *model;
  with_keys.datasource.relation_mode_prisma = false;
  for (auto& r : declared_relations(catalog_, schema::to_catalog(with_keys, model->default_schema())))
    relations_.push_back(std::move(r));
}

const catalog::Table& Api::table_of(const http::Request& req) const {
  auto schema = req.query_param("schema"), name = req.query_param("name");
  if (!schema || !name) throw http::HttpError(400, "invalid_request", "give the table as ?schema=…&name=…");
  const catalog::Table* t = catalog_.table(*schema, *name);
  if (!t) throw http::HttpError(404, "not_found", "no table " + *schema + "." + *name + " in this database");
  return *t;
}

std::shared_ptr<void> Api::stream_slot() {
  constexpr int kMaxStreams = 2;
  if (streams_.fetch_add(1) >= kMaxStreams) {
    streams_.fetch_sub(1);
    throw http::HttpError(503, "busy",
                          "two exports or downloads are running already: wait for one to end, then try again");
  }
  return std::shared_ptr<void>(nullptr, [this](void*) { streams_.fetch_sub(1); });
}

View Api::view_of(const http::Request& req, const catalog::Table& t) {
  return View{order_of(t, json_param(req, "order")), filter_of(t, json_param(req, "where"))};
}

boost::asio::awaitable<http::Response> Api::tables(http::Request&) {
  Result estimates = co_await pool_.query(idempotent, kEstimates);
  json::array out;
  for (const auto& t : catalog_.tables) {
    std::int64_t estimate = 0;
    for (const auto& row : estimates)
      if (row.text(0) == t.schema && row.text(1) == t.name) estimate = row.get<std::int64_t>(2);
    std::vector<std::string> key = row_key(t);
    json::array columns, relations, referenced_by;
    for (const auto& c : t.columns)
      columns.push_back(column_json(catalog_, c, schema_.field(t, c.name), schema_.client_default(t, c.name)));
    for (const auto& r : relations_) {
      if (r.from == &t) relations.push_back(relation_json(r, *r.to));
      if (r.to == &t) referenced_by.push_back(relation_json(r, *r.from));
    }
    std::string reason =
        read_only_ ? "the studio runs --read-only: the database refuses every write" : read_only_reason(t, key);
    out.push_back(json::object{{"schema", t.schema},
                               {"name", t.name},
                               {"model", name_or_null(schema_.model(t))},
                               {"estimatedRows", estimate},
                               {"key", names(key)},
                               {"readOnly", reason.empty() ? json::value(nullptr) : json::value(reason)},
                               {"columns", std::move(columns)},
                               {"relations", std::move(relations)},
                               {"referencedBy", std::move(referenced_by)}});
  }
  co_return http::json_response(
      200, json::object{{"readOnly", read_only_}, {"timeZone", time_zone_}, {"tables", std::move(out)}});
}

boost::asio::awaitable<http::Response> Api::rows(http::Request& req) {
  const catalog::Table& t = table_of(req);
  const std::vector<std::string> key = row_key(t);
  const int limit = number_param(req, "limit", kDefaultPage, kMaxPage);
  View view = view_of(req, t);
  const std::size_t cursor_columns = cursor_size(key, view);
  const auto after = cursor_of(req, cursor_columns);
  Statement st = page_statement(t, key, std::move(view), after, limit);
  // Arguments named before the co_await (g++ 12 and temporaries in one: async_delegate.hpp).
  const QueryOptions options{.timeout = kPageTimeout};
  auto params = std::make_shared<Params>(std::move(st.params));
  Result r = co_await pool_.run(true, options, Sql(st.sql), params);
  json::array rows;
  json::value next = nullptr;
  int n = 0;
  for (const auto& row : r) {
    if (n++ == limit) break;  // the extra row: there is a next page, after the last one shown
    json::array cursor, values;
    for (std::size_t i = 0; i < cursor_columns; ++i) cursor.push_back(text_or_null(row, static_cast<int>(1 + i)));
    for (int i = static_cast<int>(1 + cursor_columns); i < r.columns(); ++i) values.push_back(text_or_null(row, i));
    if (n == limit && r.size() > limit) next = cursor;
    rows.push_back(
        json::object{{"version", text_or_null(row, 0)}, {"cursor", std::move(cursor)}, {"values", std::move(values)}});
  }
  co_return http::json_response(200, json::object{{"rows", std::move(rows)}, {"next", std::move(next)}});
}

boost::asio::awaitable<http::Response> Api::count(http::Request& req) {
  const catalog::Table& t = table_of(req);
  client::detail::Fragment where = filter_of(t, json_param(req, "where"));
  client::detail::Page page;
  if (int at_most = number_param(req, "atMost", 0, kMaxCount)) page.take = at_most + 1;
  const std::string sql = client::detail::count_statement(t.name, qualified_name(t) + " AS t", where, page);
  const QueryOptions options{.timeout = kCountTimeout, .prepare = false};
  auto params = std::make_shared<Params>(std::move(where.params));
  Result r = co_await pool_.run(true, options, Sql(sql), params);
  co_return http::json_response(200, json::object{{"count", r.scalar<std::int64_t>()}});
}

namespace {

// Thrown inside the save's transaction to roll it back: rows changed since they were read.
struct Conflicts {
  json::array list;
};

}  // namespace

boost::asio::awaitable<http::Response> Api::save(http::Request& req) {
  if (req.content_type.find("application/json") != 0)
    throw http::HttpError(415, "unsupported_media_type", "a save's body is JSON (Content-Type: application/json)");
  json::error_code ec;
  json::value body = json::parse(req.body, ec);
  if (ec || !body.is_object()) throw http::HttpError(400, "invalid_request", "the body is not a JSON object");
  const json::value* schema = body.as_object().if_contains("schema");
  const json::value* name = body.as_object().if_contains("name");
  if (!schema || !schema->is_string() || !name || !name->is_string())
    throw http::HttpError(400, "invalid_request", "the body names its table: {\"schema\": …, \"name\": …}");
  const catalog::Table* t = catalog_.table(std::string(schema->as_string()), std::string(name->as_string()));
  if (!t) throw http::HttpError(404, "not_found", "no such table in this database");
  const std::vector<std::string> key = row_key(*t);
  if (key.empty()) throw http::HttpError(409, "read_only", read_only_reason(*t, key));
  std::vector<Change> changes = changes_of(*t, key, body);
  schema_.fill(*t, changes);  // what Prisma's client fills in (with a schema)

  std::size_t at = 0;  // the change being saved, for the error that names it
  auto apply = [&](AsyncTransaction& tx) -> boost::asio::awaitable<void> {
    Conflicts found;
    for (at = 0; at < changes.size(); ++at) {
      const Change& c = changes[at];
      const QueryOptions options{.timeout = kPageTimeout};
      Statement st = change_statement(*t, key, c);
      auto params = std::make_shared<Params>(std::move(st.params));
      Result r = co_await tx.connection().run(options, Sql(st.sql), params);
      if (c.kind == Change::Kind::insert || r.affected_rows() > 0) continue;
      // Changed or deleted since it was read: what it holds now, for the user to choose.
      Statement now = current_row_statement(*t, key, c);
      auto now_params = std::make_shared<Params>(std::move(now.params));
      Result current = co_await tx.connection().run(options, Sql(now.sql), now_params);
      json::object conflict{{"change", at}, {"version", nullptr}, {"values", nullptr}};
      if (!current.empty()) {
        json::array values;
        for (int i = 1; i < current.columns(); ++i) values.push_back(text_or_null(current[0], i));
        conflict["version"] = text_or_null(current[0], 0);
        conflict["values"] = std::move(values);
      }
      found.list.push_back(std::move(conflict));
    }
    if (!found.list.empty()) throw std::move(found);
  };
  try {
    // --read-only: the save still reaches the database, which refuses it (the studio's own
    // sessions are read-only too); no check of ours stands in for the server's.
    TransactionOptions options{.read_only = read_only_};
    co_await pool_.transaction(apply, options);
  } catch (Conflicts& c) {
    co_return http::json_response(409, json::object{{"conflicts", std::move(c.list)}});
  } catch (const Timeout&) {
    throw;
  } catch (const Error& e) {
    // The data's own rules (a type, NOT NULL, a unique or foreign key): the user's to fix.
    if (is_connection_error(e.sqlstate())) throw;
    std::string message = fmt::format("change {}: {}", at + 1, e.message());
    if (!e.detail().empty()) message += " (" + e.detail() + ")";
    co_return http::error_response(400, "rejected_by_database", mask_secrets(message));
  }
  co_return http::json_response(200, json::object{{"saved", changes.size()}});
}

}  // namespace pgkit::studio
