#include "studio/console.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <memory>

#include <fmt/format.h>

#include "pgkit/async.hpp"
#include "pgkit/config.hpp"
#include "pgkit/error.hpp"
#include "studio/api.hpp"

namespace pgkit::studio {

namespace json = boost::json;
using namespace std::chrono_literals;

bool not_a_cursor_query(std::string_view sqlstate) { return sqlstate == "42601" || sqlstate == "0A000"; }

int position_in_statement(int position_in_declare) {
  const int added = static_cast<int>(kConsoleDeclare.size());
  return position_in_declare > added ? position_in_declare - added : 0;
}

std::string shown_value(std::string_view value) {
  if (value.size() <= kConsoleValueChars) return std::string(value);
  std::size_t cut = kConsoleValueChars;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return fmt::format("{}… ({} bytes in all)", value.substr(0, cut), value.size());
}

namespace {

constexpr std::chrono::milliseconds kConsoleTimeout = 30s;

// command: the tag to show ("" for a query read through the cursor, whose tag is FETCH's).
json::object result_json(const Result& r, bool cut, std::string command) {
  json::array columns, rows;
  for (int i = 0; i < r.columns(); ++i) columns.emplace_back(r.column_name(i));
  int n = 0;
  for (const auto& row : r) {
    if (n++ == kConsoleRows) break;
    json::array values;
    for (int i = 0; i < r.columns(); ++i)
      values.push_back(row.is_null(i) ? json::value(nullptr) : json::value(shown_value(row.text(i))));
    rows.push_back(std::move(values));
  }
  return json::object{{"columns", std::move(columns)},
                      {"rows", std::move(rows)},
                      {"more", cut && r.size() > kConsoleRows},
                      {"command", std::move(command)},
                      {"affected", r.affected_rows()}};
}

// The statement's text and whether the user asks to write, from {"sql": …, "write": bool}.
std::pair<std::string, bool> request_of(const http::Request& req) {
  if (req.content_type.find("application/json") != 0)
    throw http::HttpError(415, "unsupported_media_type", "a statement's body is JSON (Content-Type: application/json)");
  json::error_code ec;
  json::value body = json::parse(req.body, ec);
  const json::value* sql = !ec && body.is_object() ? body.as_object().if_contains("sql") : nullptr;
  if (!sql || !sql->is_string() || sql->as_string().empty())
    throw http::HttpError(400, "invalid_request", "the body is {\"sql\": \"one statement\", \"write\": false}");
  const json::value* write = body.as_object().if_contains("write");
  if (write && !write->is_bool()) throw http::HttpError(400, "invalid_request", "write is true or false");
  return {std::string(sql->as_string()), write && write->as_bool()};
}

}  // namespace

boost::asio::awaitable<http::Response> Api::console(http::Request& req) {
  auto [sql, asked_to_write] = request_of(req);
  const bool write = asked_to_write && !read_only_;
  const QueryOptions options{.timeout = kConsoleTimeout, .prepare = false};
  auto none = std::make_shared<Params>();
  AsyncConnection conn = co_await pool_.acquire();
  std::string stage = "declare";  // which text an error's position is in
  try {
    co_await conn.execute(write ? "BEGIN" : "BEGIN READ ONLY");
    co_await conn.execute("SAVEPOINT pgkit_console");
    json::object answer;
    try {
      const std::string declare = std::string(kConsoleDeclare) + sql;
      co_await conn.run(options, Sql(declare), none);
      stage = "fetch";
      const std::string fetch = fmt::format("FETCH {} FROM pgkit_console", kConsoleRows + 1);
      Result rows = co_await conn.run(options, Sql(fetch), none);
      answer = result_json(rows, true, "SELECT");
    } catch (const Error& e) {
      if (stage != "declare" || !not_a_cursor_query(e.sqlstate())) throw;
      stage = "statement";
    }
    if (stage == "statement") {
      co_await conn.execute("ROLLBACK TO SAVEPOINT pgkit_console");
      Result r = co_await conn.run(options, Sql(sql), none);
      answer = result_json(r, r.size() > kConsoleRows, r.command_tag());
    }
    co_await conn.execute(write ? "COMMIT" : "ROLLBACK");
    // (A statement that was itself ROLLBACK ended the transaction with nothing written.)
    answer["wrote"] = write && answer["command"] != "ROLLBACK";
    conn.connection().close();  // what the statement set stays with it (console.hpp)
    co_return http::json_response(200, answer);
  } catch (const Timeout&) {
    throw;
  } catch (const Error& e) {
    if (is_connection_error(e.sqlstate())) throw;
    conn.connection().close();
    json::object error{{"code", "rejected_by_database"}, {"message", mask_secrets(e.message())}};
    if (!e.detail().empty()) error["detail"] = e.detail();
    if (!e.hint().empty()) error["hint"] = e.hint();
    if (e.message().find("multiple commands") != std::string::npos)
      error["hint"] = "the console runs one statement at a time";
    else if (e.sqlstate() == "25001")
      error["hint"] = "the console runs every statement in a transaction: run this one with psql";
    else if (e.sqlstate() == "25006")
      error["hint"] =
          read_only_ ? "the studio runs --read-only" : "tick Allow writes to run it in a transaction that may write";
    const int position = stage == "declare" ? position_in_statement(e.position()) : e.position();
    if (position > 0) error["position"] = position;
    co_return http::json_response(400, json::object{{"error", std::move(error)}});
  }
}

}  // namespace pgkit::studio
