#pragma once
// The HTTP request and response as route handlers see them: plain values, so only
// http_server.cpp includes Beast.
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgkit::http {

struct Request {
  std::string method;  ///< "GET", "POST", …
  std::string path;    ///< without the query string, percent-decoding not applied
  std::string query;   ///< after '?', raw
  std::string body;
  std::string authorization;  ///< the Authorization header, "" when absent
  std::string content_type;
  std::string host;        ///< the Host header ("127.0.0.1:5555"), "" when absent
  std::string origin;      ///< the Origin header, "" when absent
  std::string cookie;      ///< the Cookie header, "" when absent
  std::string fetch_site;  ///< the Sec-Fetch-Site header a browser sends, "" when absent
  std::string client_address;
  std::string request_id;
  std::map<std::string, std::string, std::less<>> params;  ///< route parameters (":id")

  /// A query-string parameter, percent-decoded; nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
  /// A route parameter by name ("" when absent).
  const std::string& param(std::string_view name) const;
};

/// Where a streamed answer's body goes, a part at a time (chunked transfer encoding).
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  /// Sends `part` (an empty part sends nothing). @throws std::system_error when the client is
  /// gone or stopped reading for the write timeout
  virtual boost::asio::awaitable<void> write(std::string_view part) = 0;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set: the body is streamed — the headers go first, then this coroutine writes the parts
  /// as they come (`body` is not sent). When it throws, the connection closes before the
  /// body's end, so the client sees an incomplete answer, never a complete-looking one.
  std::function<boost::asio::awaitable<void>(BodyWriter&)> stream;
};

/// A response with a JSON body.
Response json_response(int status, const boost::json::value& body);
/// The one error shape: {"error": {"code": …, "message": …}}.
Response error_response(int status, std::string_view code, std::string_view message);

/// Thrown by handlers for a client's mistake; becomes error_response(status, code, message).
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }
  std::vector<std::pair<std::string, std::string>> headers;

 private:
  int status_;
  std::string code_;
};

/// Percent-decoding for query strings ('+' is a space). Invalid escapes throw HttpError 400.
std::string url_decode(std::string_view s);

}  // namespace pgkit::http
