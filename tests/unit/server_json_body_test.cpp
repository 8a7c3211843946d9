// The JSON body reader and the request checks beside it, on their own: content types, malformed
// and hostile JSON, field types and size limits, emails, uuids, the page limit and query strings.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "server/json_body.hpp"

using namespace pgkit::server;
namespace http = pgkit::http;

namespace {

http::Request json_request(std::string body, std::string content_type = "application/json") {
  http::Request r;
  r.method = "POST";
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

JsonBody body_of(const std::string& json) { return JsonBody(json_request(json)); }

// The HttpError f throws: its status and code, and that its message names what it should.
template <class F>
::testing::AssertionResult refused(F f, int status, const std::string& code, const std::string& names = "") {
  try {
    f();
    return ::testing::AssertionFailure() << "accepted";
  } catch (const http::HttpError& e) {
    if (e.status() != status || e.code() != code)
      return ::testing::AssertionFailure() << e.status() << " " << e.code() << ": " << e.what();
    if (std::string(e.what()).find(names) == std::string::npos)
      return ::testing::AssertionFailure() << "the message does not name \"" << names << "\": " << e.what();
    return ::testing::AssertionSuccess();
  }
}

}  // namespace

TEST(JsonBody, ReadsAnObjectUnderAnyJsonContentType) {
  for (const char* type : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                           "application/json ;x=y", ""}) {  // no Content-Type at all: read as JSON
    JsonBody body(json_request(R"({"title":"hello","published":true})", type));
    EXPECT_EQ(body.required_string("title", 200), "hello") << type;
    EXPECT_EQ(body.optional_bool("published"), true) << type;
  }
}

TEST(JsonBody, OtherContentTypesAre415) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json",
                           "application/xml", "multipart/form-data; boundary=x", "*/*"})
    EXPECT_TRUE(refused([&] { JsonBody(json_request("{}", type)); }, 415, "unsupported_media_type", "application/json"))
        << type;
}

TEST(JsonBody, MalformedOrHostileJsonIs400) {
  const std::string cases[] = {
      "",                              // no body
      "{\"title\":",                   // truncated
      "{\"a\":1,}",                    // trailing comma
      "{'a':1}",                       // single quotes
      "{\"a\":1} trailing",            // text after the value
      std::string(10'000, '['),        // nesting far past any sane depth
      std::string(100'000, '{'),       // the same with objects
      "{\"email\":\"\xff@x.io\"}",     // invalid UTF-8
      "{\"email\":\"\\ud800@x.io\"}",  // a lone surrogate
      "{\"a\":NaN}",
  };
  for (const auto& text : cases)
    EXPECT_TRUE(refused([&] { body_of(text); }, 400, "invalid_request")) << text.substr(0, 40);
}

TEST(JsonBody, AValueThatIsNotAnObjectIs400) {
  for (const char* text : {"[1,2]", "\"text\"", "42", "null", "true"})
    EXPECT_TRUE(refused([&] { body_of(text); }, 400, "invalid_request", "JSON object")) << text;
}

TEST(JsonBody, ARequiredStringMustBePresentAndAString) {
  JsonBody body = body_of(R"({"n":5,"a":["x"],"o":{},"b":true,"z":null})");
  EXPECT_TRUE(refused([&] { body.required_string("missing", 10); }, 400, "invalid_request", "\"missing\" is required"));
  EXPECT_TRUE(refused([&] { body.required_string("z", 10); }, 400, "invalid_request", "\"z\" is required"));
  for (const char* name : {"n", "a", "o", "b"})
    EXPECT_TRUE(refused([&] { body.required_string(name, 10); }, 400, "invalid_request", "must be a string")) << name;
}

TEST(JsonBody, StringLengthsAreBytesWithinTheirLimit) {
  JsonBody body = body_of(R"({"exact":"abcde","over":"abcdef","empty":"","utf8":"ééé"})");
  EXPECT_EQ(body.required_string("exact", 5), "abcde");
  EXPECT_TRUE(refused([&] { body.required_string("over", 5); }, 400, "invalid_request", "1 to 5 bytes"));
  EXPECT_TRUE(refused([&] { body.required_string("empty", 5); }, 400, "invalid_request", "\"empty\""));
  // é is two bytes: six bytes in all.
  EXPECT_EQ(body.required_string("utf8", 6), "ééé");
  EXPECT_TRUE(refused([&] { body.required_string("utf8", 5); }, 400, "invalid_request", "\"utf8\""));
  // Content may be empty where allowed, and is still bounded.
  EXPECT_EQ(body.optional_string("empty", 5, true), "");
  EXPECT_TRUE(refused([&] { body.optional_string("over", 5, true); }, 400, "invalid_request", "at most 5 bytes"));
}

TEST(JsonBody, ALargeStringIsMeasuredNotCut) {
  std::string big(100'001, 'c');
  JsonBody body = body_of("{\"content\":\"" + big + "\"}");
  EXPECT_EQ(body.optional_string("content", 100'001, true)->size(), big.size());
  EXPECT_TRUE(refused([&] { body.optional_string("content", 100'000, true); }, 400, "invalid_request", "100000"));
}

TEST(JsonBody, NulCharactersAreRefused) {
  JsonBody body = body_of(R"({"title":"a\u0000b"})");
  EXPECT_TRUE(refused([&] { body.required_string("title", 200); }, 400, "invalid_request", "NUL"));
}

TEST(JsonBody, OptionalFieldsAbsentOrNullAreNothing) {
  JsonBody body = body_of(R"({"content":null,"flag":null,"yes":false})");
  EXPECT_EQ(body.optional_string("content", 10), std::nullopt);
  EXPECT_EQ(body.optional_string("absent", 10), std::nullopt);
  EXPECT_EQ(body.optional_bool("flag"), std::nullopt);
  EXPECT_EQ(body.optional_bool("absent"), std::nullopt);
  EXPECT_EQ(body.optional_bool("yes"), false);
  EXPECT_TRUE(body.has("content"));
  EXPECT_FALSE(body.has("absent"));
}

TEST(JsonBody, ABooleanMustBeTrueOrFalse) {
  JsonBody body = body_of(R"({"s":"true","n":1,"z":0})");
  for (const char* name : {"s", "n", "z"})
    EXPECT_TRUE(refused([&] { body.optional_bool(name); }, 400, "invalid_request", "true or false")) << name;
}

TEST(ValidEmail, AcceptsAddressesTrimmed) {
  EXPECT_EQ(valid_email("  name@example.com\t\n"), "name@example.com");
  EXPECT_EQ(valid_email("o'hara+$1%@fuzz.test"), "o'hara+$1%@fuzz.test");
  std::string longest = std::string(64, 'a') + "@" + std::string(184, 'b') + ".test";  // 254 bytes
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_EQ(valid_email(longest), longest);
}

TEST(ValidEmail, RefusesWhatIsNotAnAddress) {
  const std::string cases[] = {"",
                               "nobody",
                               "@example.com",
                               "a@@example.com",
                               "a@b@example.com",
                               "a@example",
                               "a@.com",
                               "a@example.",
                               "a b@example.com",
                               "a@exa\x01mple.com",
                               "a@exa\x7fmple.com",
                               std::string(64, 'a') + "@" + std::string(185, 'b') + ".test"};  // 255 bytes
  for (const auto& text : cases)
    EXPECT_TRUE(refused([&] { valid_email(text); }, 400, "invalid_request", "\"email\"")) << text;
}

TEST(Uuid, EitherCaseIsAUuidAndIsMadeLowerCase) {
  EXPECT_TRUE(is_uuid("7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a10"));
  EXPECT_TRUE(is_uuid("7F9C2BA4-E88F-4E2C-9B4A-6F1D5C3B2A10"));
  EXPECT_EQ(require_uuid("7F9C2BA4-E88F-4E2C-9B4A-6F1D5C3B2A10", "id"), "7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a10");
  for (const char* text : {"", "not-a-uuid", "7f9c2ba4e88f4e2c9b4a6f1d5c3b2a10",
                           "{7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a10}", "7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a1g",
                           "7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a10'", "7f9c2ba4_e88f_4e2c_9b4a_6f1d5c3b2a10"}) {
    EXPECT_FALSE(is_uuid(text)) << text;
    EXPECT_TRUE(refused([&] { require_uuid(text, "the post id"); }, 400, "invalid_request", "the post id")) << text;
  }
}

TEST(PageLimit, DefaultsTo20AndTakes1To100) {
  http::Request r;
  EXPECT_EQ(page_limit(r), 20);
  r.query = "limit=1";
  EXPECT_EQ(page_limit(r), 1);
  r.query = "cursor=x&limit=100";
  EXPECT_EQ(page_limit(r), 100);
  for (const char* query : {"limit=0", "limit=101", "limit=abc", "limit=-1", "limit=", "limit=1e2", "limit=5x",
                            "limit=%2B5", "limit=99999999999"}) {
    r.query = query;
    EXPECT_TRUE(refused([&] { page_limit(r); }, 400, "invalid_request", "\"limit\"")) << query;
  }
}

TEST(QueryString, ParametersArePercentDecoded) {
  http::Request r;
  r.query = "a=1&name=x%20y+z&empty=&flag&enc%6Fded=yes";
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("name"), "x y z");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_EQ(r.query_param("encoded"), "yes");
  EXPECT_EQ(r.query_param("absent"), std::nullopt);
}

TEST(QueryString, ABadPercentEscapeIs400) {
  http::Request r;
  // The parameter asked for is decoded; so is every name before it.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit=%zz", "limit"}, {"cursor=%4", "cursor"}, {"x=%", "x"}, {"%g1=2", "y"}};
  for (const auto& [query, name] : cases) {
    r.query = query;
    EXPECT_TRUE(refused([&] { r.query_param(name); }, 400, "bad_request", "percent-escape")) << query;
  }
}
