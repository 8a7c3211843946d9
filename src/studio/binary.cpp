#include "studio/binary.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/parse.hpp>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "pgkit/async.hpp"
#include "studio/api.hpp"
#include "studio/edits.hpp"
#include "studio/export.hpp"

namespace pgkit::studio {

namespace json = boost::json;

Statement binary_length_statement(const catalog::Table& t, const std::vector<std::string>& key,
                                  const std::vector<std::optional<std::string>>& values, const catalog::Column& c) {
  Statement st;
  const std::string where = key_condition(key, values, st.params);
  st.sql = fmt::format("SELECT octet_length(t.{}) FROM {} AS t WHERE {}", catalog::quote_ident(c.name),
                       qualified_name(t), where);
  return st;
}

Statement binary_slice_statement(const catalog::Table& t, const std::vector<std::string>& key,
                                 const std::vector<std::optional<std::string>>& values, const catalog::Column& c,
                                 std::int64_t from, std::int64_t length) {
  Statement st;
  const std::string where = key_condition(key, values, st.params);
  st.params.add(from);
  st.params.add(length);
  st.sql = fmt::format("SELECT substring(t.{} FROM ${}::int FOR ${}::int) FROM {} AS t WHERE {}",
                       catalog::quote_ident(c.name), st.params.size() - 1, st.params.size(), qualified_name(t), where);
  return st;
}

std::string bytes_of_hex(std::string_view text) {
  if (!text.starts_with("\\x") || text.size() % 2 != 0) throw std::invalid_argument("not bytea's hex form");
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not bytea's hex form");
  };
  std::string out;
  out.reserve(text.size() / 2 - 1);
  for (std::size_t i = 2; i < text.size(); i += 2) out += static_cast<char>(digit(text[i]) * 16 + digit(text[i + 1]));
  return out;
}

namespace {

// What a download holds while it streams: its connection, in the snapshot its slices share.
struct Download {
  Download(std::shared_ptr<void> s, AsyncConnection c) : slot(std::move(s)), conn(std::move(c)) {}
  std::shared_ptr<void> slot;  // Api::stream_slot's, until the answer ends
  AsyncConnection conn;
};

// Writes the value a slice at a time, then ends the download's transaction.
boost::asio::awaitable<void> stream_value(Download& running, const catalog::Table& t,
                                          const std::vector<std::string>& key,
                                          const std::vector<std::optional<std::string>>& values,
                                          const catalog::Column& c, std::int64_t size, http::BodyWriter& out) {
  const QueryOptions options{.timeout = std::chrono::seconds(30)};
  for (std::int64_t from = 1; from <= size; from += kBinarySlice) {
    Statement slice = binary_slice_statement(t, key, values, c, from, kBinarySlice);
    auto params = std::make_shared<Params>(std::move(slice.params));
    Result r = co_await running.conn.run(options, Sql(slice.sql), params);
    const std::string bytes = bytes_of_hex(r[0].text(0));
    co_await out.write(bytes);
  }
  co_await running.conn.execute("COMMIT");
}

std::vector<std::optional<std::string>> key_values(const http::Request& req, std::size_t columns) {
  json::error_code ec;
  const std::string given = req.query_param("key").value_or("");
  json::value v = json::parse(given, ec);
  std::vector<std::optional<std::string>> out;
  if (!ec && v.is_array() && v.as_array().size() == columns)
    for (const auto& x : v.as_array())
      if (x.is_string()) out.emplace_back(std::string(x.as_string()));
  if (out.size() != columns)
    throw http::HttpError(400, "invalid_request",
                          fmt::format("key is the row's key: a JSON array of its {} value(s), as texts", columns));
  return out;
}

}  // namespace

boost::asio::awaitable<http::Response> Api::download(http::Request& req) {
  const catalog::Table& t = table_of(req);
  const std::vector<std::string> key = row_key(t);
  if (key.empty()) throw http::HttpError(409, "read_only", read_only_reason(t, key));
  const std::string name = req.query_param("column").value_or("");
  const catalog::Column* c = t.column(name);
  if (!c) throw http::HttpError(400, "invalid_request", "no column '" + name + "' in " + t.name);
  if (!(c->type.builtin() && c->type.name == "bytea" && c->type.dimensions == 0))
    throw http::HttpError(400, "invalid_request", name + " is not a bytea column: its values are in the page");
  const auto values = key_values(req, key.size());

  // The length first, in the snapshot every slice then reads: a value changed meanwhile is
  // not mixed with the one being downloaded.
  std::shared_ptr<void> slot = stream_slot();
  AsyncConnection conn = co_await pool_.acquire();
  auto running = std::make_shared<Download>(std::move(slot), std::move(conn));
  co_await running->conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const QueryOptions options{.timeout = std::chrono::seconds(30)};
  Statement length = binary_length_statement(t, key, values, *c);
  auto length_params = std::make_shared<Params>(std::move(length.params));
  Result found = co_await running->conn.run(options, Sql(length.sql), length_params);
  if (found.empty()) throw http::HttpError(404, "not_found", "no such row (deleted meanwhile?)");
  if (found[0].is_null(0)) throw http::HttpError(404, "not_found", name + " is NULL in this row");
  const std::int64_t size = found[0].get<std::int64_t>(0);

  http::Response res{.status = 200, .content_type = "application/octet-stream"};
  res.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + file_name(t.name + "-" + c->name, ".bin") + "\"");
  res.stream = [running, &t, c, key, values, size](http::BodyWriter& out) {
    return logged_stream("download", t, stream_value(*running, t, key, values, *c, size, out));
  };
  co_return res;
}

}  // namespace pgkit::studio
