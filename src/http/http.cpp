#include "http/http.hpp"

#include <boost/json/serialize.hpp>

namespace pgkit::http {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1, lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
      if (lo < 0) throw HttpError(400, "bad_request", "malformed percent-escape in the query string");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

const std::string& Request::param(std::string_view name) const {
  static const std::string none;
  auto it = params.find(name);
  return it == params.end() ? none : it->second;
}

Response json_response(int status, const boost::json::value& body) {
  return Response{.status = status, .body = boost::json::serialize(body)};
}

Response error_response(int status, std::string_view code, std::string_view message) {
  boost::json::object error{{"code", code}, {"message", message}};
  return json_response(status, boost::json::object{{"error", std::move(error)}});
}

}  // namespace pgkit::http
