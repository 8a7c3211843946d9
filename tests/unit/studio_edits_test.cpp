// The studio's saves on their own (src/studio/edits.hpp): each change's statement — the row
// named by its key and the version read, values as parameters — and the 400 naming what is
// wrong with a body.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/http.hpp"
#include "studio/edits.hpp"

using namespace pgkit;
using namespace pgkit::studio;

namespace {

catalog::Table books() {
  catalog::Table t;
  t.name = "books";
  for (const char* name : {"id", "Title", "cover"}) {
    catalog::Column c;
    c.name = name;
    c.type.name = std::string(name) == "cover" ? "bytea" : "text";
    t.columns.push_back(c);
  }
  return t;
}

// The table the changes point into (their columns), alive as the catalog is in the studio.
const catalog::Table& table() {
  static const catalog::Table t = books();
  return t;
}

std::vector<Change> parse(const std::string& body) { return changes_of(table(), {"id"}, boost::json::parse(body)); }

std::string refusal(const std::string& body) {
  try {
    parse(body);
  } catch (const http::HttpError& e) {
    return e.what();
  }
  return "not refused";
}

}  // namespace

TEST(StudioEdits, EachChangeIsOneStatementOnTheRowItsKeyAndVersionName) {
  const auto& t = table();
  auto changes = parse(R"({"changes": [
      {"op": "update", "key": ["7"], "version": "812", "values": {"Title": "New", "id": null}},
      {"op": "insert", "values": {"Title": "Added"}},
      {"op": "insert"},
      {"op": "delete", "key": ["9"], "version": "815"}]})");
  ASSERT_EQ(changes.size(), 4u);
  Statement update = change_statement(t, {"id"}, changes[0]);
  EXPECT_EQ(update.sql,
            R"(UPDATE public.books AS t SET "Title" = $1, id = $2 WHERE (t.id) = ($3) AND t.xmin = $4::xid)");
  EXPECT_EQ(update.params.size(), 4);
  EXPECT_EQ(update.params.values()[1], nullptr) << "null is NULL, not an empty text";
  EXPECT_STREQ(update.params.values()[3], "812");
  EXPECT_EQ(change_statement(t, {"id"}, changes[1]).sql, R"(INSERT INTO public.books ("Title") VALUES ($1))");
  EXPECT_EQ(change_statement(t, {"id"}, changes[2]).sql, "INSERT INTO public.books DEFAULT VALUES");
  EXPECT_EQ(change_statement(t, {"id"}, changes[3]).sql,
            "DELETE FROM public.books AS t WHERE (t.id) = ($1) AND t.xmin = $2::xid");
  EXPECT_EQ(current_row_statement(t, {"id"}, changes[0]).sql,
            R"(SELECT t.xmin, t.id, t."Title", octet_length(t.cover) FROM public.books AS t WHERE (t.id) = ($1))");
}

TEST(StudioEdits, ABodyThatIsNotASaveIsRefusedNamingWhat) {
  EXPECT_NE(refusal(R"({"changes": {}})").find("the body is"), std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "upsert"}]})").find("change 1: op is update, insert or delete"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "delete", "key": ["1", "2"], "version": "1"}]})").find("1 key value"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "delete", "key": ["1"], "version": "1; DROP"}]})").find("version"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "insert", "values": {"nope": "x"}}]})").find("has no column nope"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "insert", "values": {"cover": "x"}}]})").find("binary"), std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "insert", "values": {"cover": "\\x6g"}}]})").find("in hex"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"changes": [{"op": "insert", "values": {"cover": "\\x616"}}]})").find("in hex"),
            std::string::npos);
  EXPECT_EQ(refusal(R"({"changes": [{"op": "insert", "values": {"cover": "\\x00fF"}}]})"), "not refused")
      << "an uploaded file's bytes";
  EXPECT_NE(refusal(R"({"changes": [{"op": "update", "key": ["1"], "version": "1"}]})").find("sets values"),
            std::string::npos);
}
