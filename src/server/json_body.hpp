#pragma once
// A request's JSON body, checked field by field. Every failure is an HttpError 400 (or 415)
// naming the field and what it must be.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/http.hpp"

namespace pgkit::server {

class JsonBody {
 public:
  /// @throws HttpError 415 for a non-JSON content type, 400 for malformed JSON or a non-object
  explicit JsonBody(const http::Request& request);

  /// A string of 1..max_length characters without NUL (PostgreSQL's text cannot hold one).
  std::string required_string(std::string_view name, std::size_t max_length) const;
  /// Absent or null: nullopt. allow_empty lets "" through (content, not names).
  std::optional<std::string> optional_string(std::string_view name, std::size_t max_length,
                                             bool allow_empty = false) const;
  std::optional<bool> optional_bool(std::string_view name) const;
  bool has(std::string_view name) const { return object_.contains(name); }

 private:
  boost::json::object object_;
};

/// An email address as sign-in accepts it: trimmed, at most 254 characters, one '@' with
/// text on both sides and a dot in the domain, no spaces or control characters.
/// @throws HttpError 400 otherwise
std::string valid_email(std::string email);
/// A uuid in its text form, either case (route ids, cursors).
bool is_uuid(std::string_view text);
/// text as a canonical (lower-case) uuid, so that comparisons with ids from the database hold.
/// @throws HttpError 400 naming what
std::string require_uuid(const std::string& text, std::string_view what);
/// The `limit` query parameter: 1..100, default 20.
int page_limit(const http::Request& request);

}  // namespace pgkit::server
