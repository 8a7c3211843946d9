// The studio's filters and sorts on their own (src/studio/filters.hpp): the SQL each operator
// makes, names only from the catalog, values only as parameters, and the 400 that names what
// is wrong.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/http.hpp"
#include "pgkit/client/read.hpp"
#include "studio/filters.hpp"

using namespace pgkit;
using namespace pgkit::studio;

namespace {

catalog::Table books() {
  catalog::Table t;
  t.name = "books";
  auto add = [&](std::string name, std::string type, std::string sql, std::string schema = "pg_catalog") {
    catalog::Column c;
    c.name = std::move(name);
    c.type.schema = std::move(schema);
    c.type.name = std::move(type);
    c.type.sql = std::move(sql);
    t.columns.push_back(c);
  };
  add("id", "int8", "bigint");
  add("Title", "text", "text");
  add("status", "book_status", "public.book_status", "public");
  add("meta", "json", "json");
  return t;
}

std::string sql_of(const std::string& where) {
  auto f = filter_of(books(), boost::json::parse(where));
  return client::detail::numbered(f.sql);
}

std::string refusal(const std::string& where) {
  try {
    filter_of(books(), boost::json::parse(where));
  } catch (const http::HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.what();
  }
  return "not refused";
}

}  // namespace

TEST(StudioFilters, EachOperatorIsAConditionWithItsValueAsAParameter) {
  EXPECT_EQ(sql_of(R"({"column": "id", "op": "gte", "value": "10"})"), "t.id >= $1");
  EXPECT_EQ(sql_of(R"({"column": "Title", "op": "equals", "value": "x", "insensitive": true})"),
            R"(lower(t."Title") = lower($1))");
  EXPECT_EQ(sql_of(R"({"column": "Title", "op": "equals", "value": null})"), R"(t."Title" IS NULL)");
  EXPECT_EQ(sql_of(R"({"column": "id", "op": "contains", "value": "7"})"), "t.id::text LIKE $1");
  auto f = filter_of(
      books(),
      boost::json::parse(R"({"column": "Title", "op": "startsWith", "value": "50%_\\", "insensitive": true})"));
  EXPECT_EQ(f.params.size(), 1);
  EXPECT_STREQ(f.params.values()[0], "50\\%\\_\\\\%") << "%, _ and \\ match themselves";
  EXPECT_EQ(sql_of(R"({"column": "status", "op": "in", "value": ["draft", "published"]})"),
            "t.status = ANY($1::public.book_status[])");
  auto in = filter_of(books(), boost::json::parse(R"({"column": "Title", "op": "in", "value": ["a\"b", null]})"));
  EXPECT_STREQ(in.params.values()[0], R"({"a\"b",NULL})");
  EXPECT_EQ(
      sql_of(R"({"any": [{"column": "id", "op": "lt", "value": "3"}, {"not": {"column": "meta", "op": "isNull"}}]})"),
      "(t.id < $1 OR NOT (t.meta IS NULL))");
  EXPECT_EQ(sql_of(R"({"all": []})"), "");
}

TEST(StudioFilters, WhatIsNotInTheCatalogOrNotAFilterIsRefusedByName) {
  EXPECT_NE(refusal(R"({"column": "title; DROP TABLE books", "op": "equals", "value": "x"})").find("has no column"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"column": "id", "op": "like", "value": "x"})").find("unknown op like"), std::string::npos);
  EXPECT_NE(refusal(R"({"column": "id", "op": "lt"})").find("id lt takes a value"), std::string::npos);
  EXPECT_NE(refusal(R"({"column": "id", "op": "in", "value": "1"})").find("takes a list"), std::string::npos);
  EXPECT_NE(refusal(R"([1])").find("a filter is an object"), std::string::npos);
  std::string deep = R"({"column": "id", "op": "isNull"})";
  for (int i = 0; i < 10; ++i) deep = R"({"not": )" + deep + "}";
  EXPECT_NE(refusal(deep).find("nest at most"), std::string::npos);
}

TEST(StudioFilters, SortsNameColumnsThatHaveAnOrder) {
  auto t = books();
  auto order = order_of(t, boost::json::parse(R"([{"column": "Title", "desc": true}, {"column": "id"}])"));
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].column->name, "Title");
  EXPECT_TRUE(order[0].descending);
  EXPECT_FALSE(order[1].descending);
  EXPECT_THROW(order_of(t, boost::json::parse(R"([{"column": "meta"}])")), http::HttpError);
  EXPECT_THROW(order_of(t, boost::json::parse(R"([{"column": "nope"}])")), http::HttpError);
}
