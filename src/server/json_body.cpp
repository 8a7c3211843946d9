#include "server/json_body.hpp"

#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>

namespace pgkit::server {

namespace {
http::HttpError bad(const std::string& message) { return http::HttpError(400, "invalid_request", message); }

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }
}  // namespace

JsonBody::JsonBody(const http::Request& request) {
  std::string type = request.content_type.substr(0, request.content_type.find(';'));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (!request.content_type.empty() && type != "application/json")
    throw http::HttpError(415, "unsupported_media_type", "Content-Type must be application/json");
  if (request.body.empty()) throw bad("the request needs a JSON object body");
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec);
  if (ec) throw bad("the body is not valid JSON: " + ec.message());
  if (!value.is_object()) throw bad("the body must be a JSON object");
  object_ = std::move(value.as_object());
}

std::optional<std::string> JsonBody::optional_string(std::string_view name, std::size_t max_length,
                                                     bool allow_empty) const {
  auto* v = object_.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw bad("field \"" + std::string(name) + "\" must be a string");
  std::string_view s = v->as_string();
  if ((s.empty() && !allow_empty) || s.size() > max_length)
    throw bad("field \"" + std::string(name) + "\" must be " + (allow_empty ? "at most " : "1 to ") +
              std::to_string(max_length) + " bytes");
  if (has_nul(s)) throw bad("field \"" + std::string(name) + "\" must not contain NUL characters");
  return std::string(s);
}

std::string JsonBody::required_string(std::string_view name, std::size_t max_length) const {
  auto s = optional_string(name, max_length);
  if (!s) throw bad("field \"" + std::string(name) + "\" is required");
  return *s;
}

std::optional<bool> JsonBody::optional_bool(std::string_view name) const {
  auto* v = object_.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) throw bad("field \"" + std::string(name) + "\" must be true or false");
  return v->as_bool();
}

std::string valid_email(std::string email) {
  auto first = email.find_first_not_of(" \t\r\n");
  auto last = email.find_last_not_of(" \t\r\n");
  email = first == std::string::npos ? "" : email.substr(first, last - first + 1);
  auto at = email.find('@');
  bool ok = email.size() <= 254 && at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
            email.find('.', at + 2) != std::string::npos && email.back() != '.';
  for (unsigned char c : email) ok = ok && c > 0x20 && c != 0x7f;
  if (!ok) throw bad("field \"email\" must be an email address such as name@example.com");
  return email;
}

bool is_uuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
  }
  return true;
}

std::string require_uuid(const std::string& text, std::string_view what) {
  if (!is_uuid(text)) throw bad(std::string(what) + " must be a uuid such as 7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a10");
  std::string canonical = text;
  for (char& c : canonical) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return canonical;
}

int page_limit(const http::Request& request) {
  auto text = request.query_param("limit");
  if (!text) return 20;
  int limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc{} || end != text->data() + text->size() || limit < 1 || limit > 100)
    throw bad("query parameter \"limit\" must be a whole number from 1 to 100");
  return limit;
}

}  // namespace pgkit::server
