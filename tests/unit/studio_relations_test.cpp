// The relations the studio follows (src/studio/relations.hpp): the database's foreign keys,
// and a schema's relations where the database has none (relationMode = "prisma").
#include <gtest/gtest.h>

#include "studio/relations.hpp"

using namespace pgkit;
using namespace pgkit::studio;

namespace {

catalog::Table table(std::string name, std::vector<std::string> columns) {
  catalog::Table t;
  t.name = std::move(name);
  for (auto& c : columns) t.columns.push_back({.name = std::move(c)});
  return t;
}

catalog::ForeignKey key(std::string name, std::string column, std::string to) {
  return {.name = std::move(name),
          .columns = {std::move(column)},
          .referenced_schema = "public",
          .referenced_table = std::move(to),
          .referenced_columns = {"id"}};
}

}  // namespace

TEST(StudioRelations, ASchemasRelationCountsOnceAndOnlyOnTablesAndColumnsTheDatabaseHas) {
  catalog::Catalog db;
  db.tables = {table("authors", {"id"}), table("books", {"id", "author_id", "editor_id"}), table("tags", {"id"})};
  db.tables[1].foreign_keys = {key("books_author_id_fkey", "author_id", "authors")};
  catalog::Catalog declared = db;
  declared.tables[1].foreign_keys = {
      key("books_author_id_fkey", "author_id", "authors"),  // in the database already
      key("books_editor_id_fkey", "editor_id", "authors"),  // the schema's only
      key("books_topic_id_fkey", "topic_id", "tags"),       // a column the database lacks
      key("books_shelf_id_fkey", "id", "shelves"),          // a table it lacks
  };
  ASSERT_EQ(relations_of(db).size(), 1u);
  const std::vector<Relation> added = declared_relations(db, declared);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].name, "books_editor_id_fkey");
  EXPECT_EQ(added[0].from, &db.tables[1]) << "on the database's tables";
  EXPECT_EQ(added[0].to, &db.tables[0]);
}
