#pragma once
// Export of a view as CSV or JSON, streamed: rows come from a cursor a batch at a time and go
// out as they come (chunked), so neither the studio nor the database builds the whole file.
#include <boost/asio/awaitable.hpp>
#include <exception>
#include <string>
#include <string_view>

#include "pgkit/catalog.hpp"
#include "pgkit/result.hpp"

namespace pgkit::studio {

enum class ExportFormat { csv, json };

/// RFC 4180: the column names, then a line per row; every value quoted, so that NULL (nothing
/// between the commas) and an empty text ("") stay apart. Values as PostgreSQL prints them.
std::string csv_header(const catalog::Table& t);
void append_csv(std::string& out, const Result& batch);

/// A JSON array of objects, one per row (PostgreSQL's to_json of the row: numbers, booleans
/// and json values typed, the rest texts). `first`: no row written yet (no comma before it).
void append_json(std::string& out, const Result& batch, bool& first);

/// Runs the body of a streamed answer (`what` of table t: "export", "download"); a failure
/// after the headers went out, which the client sees only as an unfinished download, is logged
/// with its reason — unless the client went away itself — and rethrown.
boost::asio::awaitable<void> logged_stream(std::string_view what, const catalog::Table& t,
                                           boost::asio::awaitable<void> body);

/// A file name for a Content-Disposition header: stem reduced to letters, digits, '.', '-' and
/// '_' (others become '_'), then extension (".csv").
std::string file_name(std::string_view stem, std::string_view extension);

}  // namespace pgkit::studio
