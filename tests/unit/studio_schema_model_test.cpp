// What a schema.prisma adds to the studio (src/studio/schema_model.hpp): names, and the values
// Prisma's client fills in that the database does not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <regex>

#include "studio/edits.hpp"
#include "studio/schema_model.hpp"

using namespace pgkit;
using namespace pgkit::studio;

namespace {

constexpr const char* kSchema = R"(datasource db {
  provider = "postgresql"
}

model Tag {
  id        String   @id @default(cuid())
  key       String   @default(uuid(7)) @map("tag_key")
  name      String   @default("untitled")
  updatedAt DateTime @updatedAt @map("updated_at")

  @@map("tags")
}
)";

catalog::Table tags() {
  catalog::Table t;
  t.name = "tags";
  for (const char* name : {"id", "tag_key", "name", "updated_at"}) t.columns.push_back({.name = name});
  return t;
}

const std::string* value_of(const Change& c, const catalog::Table& t, const std::string& column) {
  for (const auto& [col, value] : c.values)
    if (col == t.column(column)) return value ? &*value : nullptr;
  return nullptr;
}

}  // namespace

TEST(StudioSchemaModel, NamesAndWhatANewRowGets) {
  const SchemaModel model(schema::parse({{.path = "schema.prisma", .text = kSchema}}));
  const catalog::Table t = tags();
  ASSERT_NE(model.model(t), nullptr);
  EXPECT_EQ(*model.model(t), "Tag");
  EXPECT_EQ(*model.field(t, "updated_at"), "updatedAt");
  EXPECT_EQ(model.client_default(t, "id"), "cuid()");
  EXPECT_EQ(model.client_default(t, "tag_key"), "uuid(7)");
  EXPECT_EQ(model.client_default(t, "name"), std::nullopt) << "the database's own default";
  EXPECT_EQ(model.client_default(t, "updated_at"), "now (@updatedAt)");
}

TEST(StudioSchemaModel, ASaveGetsTheClientsValuesWhereItGivesNone) {
  // A machine far from UTC: @updatedAt must not follow it.
  const char* zone = std::getenv("TZ");
  const std::string saved = zone ? zone : "";
  setenv("TZ", "Asia/Tokyo", 1);
  tzset();
  const SchemaModel model(schema::parse({{.path = "schema.prisma", .text = kSchema}}));
  const catalog::Table t = tags();
  std::vector<Change> changes(3);
  changes[0].kind = Change::Kind::insert;
  changes[0].values = {{t.column("name"), "poetry"}};
  changes[1].kind = Change::Kind::insert;
  changes[1].values = {{t.column("id"), "mine"}, {t.column("updated_at"), "2024-01-01 00:00:00"}};
  changes[2].kind = Change::Kind::update;
  changes[2].values = {{t.column("name"), "prose"}};
  model.fill(t, changes);
  const std::time_t now = std::time(nullptr);
  char utc_hour[32];
  std::strftime(utc_hour, sizeof utc_hour, "%Y-%m-%d %H", std::gmtime(&now));
  zone ? setenv("TZ", saved.c_str(), 1) : unsetenv("TZ");
  tzset();

  ASSERT_NE(value_of(changes[0], t, "id"), nullptr);
  EXPECT_TRUE(std::regex_match(*value_of(changes[0], t, "id"), std::regex("c[a-z0-9]{24}")));
  EXPECT_TRUE(std::regex_match(*value_of(changes[0], t, "tag_key"),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(value_of(changes[0], t, "name") != nullptr, true);
  EXPECT_TRUE(std::regex_match(*value_of(changes[0], t, "updated_at"),
                               std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+00)")));
  EXPECT_EQ(value_of(changes[0], t, "updated_at")->substr(0, 13), utc_hour) << "the time in UTC";
  EXPECT_EQ(*value_of(changes[1], t, "id"), "mine") << "a value given stays";
  EXPECT_EQ(*value_of(changes[1], t, "updated_at"), "2024-01-01 00:00:00");
  EXPECT_EQ(value_of(changes[2], t, "id"), nullptr) << "an update makes no id";
  EXPECT_NE(value_of(changes[2], t, "updated_at"), nullptr) << "@updatedAt on every update";
}
