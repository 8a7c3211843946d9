#include "studio/export.hpp"

#include <boost/asio/awaitable.hpp>
#include <cctype>
#include <memory>
#include <system_error>

#include "pgkit/async.hpp"
#include "pgkit/config.hpp"
#include "pgkit/log.hpp"
#include "studio/api.hpp"
#include "studio/filters.hpp"
#include "studio/pages.hpp"

namespace pgkit::studio {

namespace {

constexpr int kBatch = 500;  // rows a FETCH reads: what the studio holds of an export at once
constexpr std::chrono::milliseconds kFetchTimeout{10'000};

void append_quoted(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string csv_header(const catalog::Table& t) {
  std::string out;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (i) out += ',';
    append_quoted(out, t.columns[i].name);
  }
  return out + "\r\n";
}

void append_csv(std::string& out, const Result& batch) {
  for (const auto& row : batch) {
    for (int i = 0; i < batch.columns(); ++i) {
      if (i) out += ',';
      if (!row.is_null(i)) append_quoted(out, row.text(i));
    }
    out += "\r\n";
  }
}

void append_json(std::string& out, const Result& batch, bool& first) {
  for (const auto& row : batch) {
    out += first ? "\n" : ",\n";
    first = false;
    out += row.text(0);
  }
}

boost::asio::awaitable<void> logged_stream(std::string_view what, const catalog::Table& t,
                                           boost::asio::awaitable<void> body) {
  try {
    co_await std::move(body);
  } catch (const std::system_error&) {
    throw;  // the client went away (or stopped reading): theirs to know
  } catch (const std::exception& e) {
    log().warn("pgkit studio: the {} of {}.{} stopped before its end: {}", what, t.schema, t.name,
               mask_secrets(e.what()));
    throw;
  }
}

std::string file_name(std::string_view stem, std::string_view extension) {
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  return name + std::string(extension);
}

namespace {

// What an export holds while it streams: its connection, in the transaction its cursor lives in.
struct Export {
  Export(std::shared_ptr<void> s, AsyncConnection c) : slot(std::move(s)), conn(std::move(c)) {}
  std::shared_ptr<void> slot;  // Api::stream_slot's, until the answer ends
  AsyncConnection conn;
  Result batch;  // the one read before the answer's headers went out
};

// (Arguments named before each co_await: g++ 12 mishandles temporaries in one — see
// async_delegate.hpp.)
boost::asio::awaitable<Result> fetch(AsyncConnection& conn) {
  const QueryOptions options{.timeout = kFetchTimeout};
  auto none = std::make_shared<Params>();
  static const std::string sql = "FETCH " + std::to_string(kBatch) + " FROM pgkit_export";
  co_return co_await conn.run(options, Sql(sql), none);
}

// Writes `head`, then the rows of an export's cursor — the batch read already first — a batch
// at a time; then ends its transaction.
boost::asio::awaitable<void> stream_rows(Export& running, ExportFormat format, std::string head,
                                         http::BodyWriter& out) {
  std::string part = std::move(head);
  bool first = true;
  for (;;) {
    if (format == ExportFormat::csv)
      append_csv(part, running.batch);
    else
      append_json(part, running.batch, first);
    const bool last = running.batch.size() < kBatch;
    if (last && format == ExportFormat::json) part += "\n]\n";
    co_await out.write(part);
    part.clear();
    if (last) break;
    running.batch = co_await fetch(running.conn);
  }
  co_await running.conn.execute("COMMIT");
}

}  // namespace

boost::asio::awaitable<http::Response> Api::export_rows(http::Request& req) {
  const catalog::Table& t = table_of(req);
  const std::string given = req.query_param("format").value_or("csv");
  if (given != "csv" && given != "json")
    throw http::HttpError(400, "invalid_request", "format is csv or json, not " + given);
  const ExportFormat format = given == "csv" ? ExportFormat::csv : ExportFormat::json;
  View view = view_of(req, t);
  std::string columns;
  for (const auto& c : t.columns) columns += (columns.empty() ? "t." : ", t.") + catalog::quote_ident(c.name);
  Statement st =
      export_statement(t, row_key(t), std::move(view), format == ExportFormat::csv ? columns : "to_json(t.*)");

  // The cursor is opened and its first batch read before answering: a filter the database
  // refuses is still an error answer, not a file cut short.
  std::shared_ptr<void> slot = stream_slot();
  AsyncConnection conn = co_await pool_.acquire();
  auto running = std::make_shared<Export>(std::move(slot), std::move(conn));
  co_await running->conn.execute("BEGIN READ ONLY");
  const QueryOptions options{.timeout = kFetchTimeout, .prepare = false};
  auto params = std::make_shared<Params>(std::move(st.params));
  const std::string declare = "DECLARE pgkit_export NO SCROLL CURSOR FOR " + st.sql;
  co_await running->conn.run(options, Sql(declare), params);
  running->batch = co_await fetch(running->conn);

  http::Response res{.status = 200,
                     .content_type = format == ExportFormat::csv ? "text/csv; charset=utf-8" : "application/json"};
  res.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"" + file_name(t.name, format == ExportFormat::csv ? ".csv" : ".json") + "\"");
  std::string head = format == ExportFormat::csv ? csv_header(t) : "[";
  res.stream = [running, format, head, &t](http::BodyWriter& out) {
    return logged_stream("export", t, stream_rows(*running, format, head, out));
  };
  co_return res;
}

}  // namespace pgkit::studio
