// How the studio pages a table (src/studio/pages.hpp): which columns identify a row, and the
// keyset statement — names from the catalog, quoted; values only as parameters.
#include <gtest/gtest.h>

#include "studio/binary.hpp"
#include "studio/export.hpp"
#include "studio/pages.hpp"

using namespace pgkit;
using namespace pgkit::studio;

namespace {

catalog::Column column(std::string name, std::string type, bool not_null = true) {
  catalog::Column c;
  c.name = std::move(name);
  c.type.name = type;
  c.type.sql = type;
  c.not_null = not_null;
  return c;
}

catalog::Index unique(std::string name, std::vector<std::string> columns,
                      catalog::Index::Kind kind = catalog::Index::Kind::unique) {
  catalog::Index i;
  i.name = std::move(name);
  i.kind = kind;
  for (auto& c : columns) i.keys.push_back({.column = std::move(c)});
  return i;
}

}  // namespace

TEST(StudioPages, TheKeyIsThePrimaryKeyElseAUniqueIndexOnNotNullColumns) {
  catalog::Table t;
  t.name = "Order Lines";
  t.columns = {column("order", "int4"), column("line", "int4"), column("sku", "text"), column("note", "text", false)};
  EXPECT_TRUE(row_key(t).empty());
  EXPECT_EQ(cursor_size({}, {}), 2u) << "tableoid and ctid";
  EXPECT_NE(read_only_reason(t, {}).find("no primary key"), std::string::npos);
  t.indexes.push_back(unique("by_note", {"note"}));  // a nullable column tells no rows apart
  EXPECT_TRUE(row_key(t).empty());
  t.indexes.push_back(unique("by_sku", {"sku"}));
  EXPECT_EQ(row_key(t), std::vector<std::string>{"sku"});
  t.indexes.push_back(unique("pk", {"order", "line"}, catalog::Index::Kind::primary_key));
  EXPECT_EQ(row_key(t), (std::vector<std::string>{"order", "line"}));
  EXPECT_EQ(read_only_reason(t, row_key(t)), "");
}

TEST(StudioPages, APageIsARowComparisonOnTheKeyWithTheCursorAsParameters) {
  catalog::Table t;
  t.name = "Order Lines";
  t.columns = {column("order", "int4"), column("line", "int4"), column("blob", "bytea", false)};
  const std::vector<std::string> key{"order", "line"};
  Statement first = page_statement(t, key, {}, {}, 100);
  EXPECT_EQ(first.sql,
            "SELECT t.xmin, t.\"order\", t.line, t.\"order\", t.line, octet_length(t.blob) FROM public.\"Order Lines\" "
            "AS t ORDER BY t.\"order\" ASC, t.line ASC LIMIT $1");
  EXPECT_EQ(first.params.size(), 1) << "the limit";
  Statement next = page_statement(t, key, {}, {"3", "7"}, 100);
  EXPECT_NE(next.sql.find("WHERE (t.\"order\", t.line) > ($1, $2) ORDER BY"), std::string::npos) << next.sql;
  EXPECT_EQ(next.params.size(), 3);
  // Without a key: by where the row is (a partitioned table's partitions repeat ctids).
  Statement by_ctid = page_statement(t, {}, {}, {"16384", "(0,3)"}, 10);
  EXPECT_NE(by_ctid.sql.find("WHERE (t.tableoid, t.ctid) > ($1, $2) ORDER BY t.tableoid ASC, t.ctid ASC LIMIT $3"),
            std::string::npos)
      << by_ctid.sql;
}

TEST(StudioPages, ASortedPageCarriesTheSortAndTheKeyInItsCursor) {
  catalog::Table t;
  t.name = "posts";
  t.columns = {column("id", "int8"), column("title", "text"), column("published", "timestamptz", false)};
  const catalog::Column* published = t.column("published");
  View view{.order = {{published, true}}, .where = {}};
  EXPECT_EQ(cursor_size({"id"}, view), 2u);
  // A nullable column in descending order: the condition spelled out term by term, NULLs
  // where the order puts them (first, in descending order).
  Statement next = page_statement(t, {"id"}, view, {std::nullopt, "5"}, 20);
  EXPECT_NE(next.sql.find("ORDER BY t.published DESC, t.id ASC"), std::string::npos) << next.sql;
  EXPECT_NE(next.sql.find("t.published IS NULL AND t.id > $1"), std::string::npos) << next.sql;
  // The key already sorted on is not repeated.
  View by_id{.order = {{t.column("id"), true}}, .where = {}};
  EXPECT_EQ(cursor_size({"id"}, by_id), 1u);
}

TEST(StudioExport, ReadsTheViewInItsOrderWithoutAPageLimit) {
  catalog::Table t;
  t.name = "books";
  t.columns = {column("id", "int8"), column("title", "text")};
  const catalog::Column* title = t.column("title");
  View view{{SortTerm{title, true}}, {}};
  Statement st = export_statement(t, {"id"}, std::move(view), "to_json(t.*)");
  EXPECT_EQ(st.sql, "SELECT to_json(t.*) FROM public.books AS t ORDER BY t.title DESC, t.id ASC");
}

TEST(StudioExport, CsvNamesQuotedAndFileNamesPlain) {
  catalog::Table t;
  t.name = "Q\"1 report/2024";
  t.columns = {column("id", "int8"), column("say \"hi\"", "text")};
  EXPECT_EQ(csv_header(t), "\"id\",\"say \"\"hi\"\"\"\r\n");
  EXPECT_EQ(file_name(t.name, ".json"), "Q_1_report_2024.json");
}

TEST(StudioBinary, AValueIsReadASliceAtATimeByTheRowsKey) {
  catalog::Table t;
  t.name = "books";
  t.columns = {column("id", "int8"), column("cover", "bytea", false)};
  Statement st = binary_slice_statement(t, {"id"}, {"7"}, t.columns[1], 1, kBinarySlice);
  EXPECT_EQ(st.sql, "SELECT substring(t.cover FROM $2::int FOR $3::int) FROM public.books AS t WHERE (t.id) = ($1)");
  EXPECT_EQ(st.params.size(), 3u);
  EXPECT_EQ(bytes_of_hex("\\x00ff41"), std::string("\0\xff"
                                                   "A",
                                                   3));
  EXPECT_EQ(bytes_of_hex("\\x"), "");
  EXPECT_THROW(bytes_of_hex("\\x0"), std::invalid_argument);
  EXPECT_THROW(bytes_of_hex("00ff"), std::invalid_argument);
}
