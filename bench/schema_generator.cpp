// The generated schema of pgkit_schema_bench: see schema_generator.hpp.
//
// Model i (named after a noun and its number, "Invoice017") has an id of one of four kinds,
// `name`, `status` (an enum with a default), createdAt/updatedAt, and about a third of the
// optional scalar fields below; then its relations, all to earlier models so every target
// exists: one or two 1:n parents (required or optional, with or without referential actions),
// every sixth model a 1:1, every tenth an implicit m:n. The other side of each relation is added
// to the target. Indexes follow from the fields a model has.
#include "schema_generator.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace pgkit::bench {
namespace {

// splitmix64: specified to the bit, unlike std::uniform_int_distribution.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// In [0, n).
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }

 private:
  std::uint64_t state_;
};

constexpr std::array kNouns{
    "Account", "Invoice", "Order",   "Product", "Customer", "Shipment", "Warehouse", "Supplier", "Payment", "Ticket",
    "Project", "Task",    "Comment", "Article", "Author",   "Category", "Label",     "Review",   "Coupon",  "Campaign",
    "Device",  "Sensor",  "Reading", "Login",   "Team",     "Member",   "Grant",     "Document", "Folder",  "Meetup",
    "Venue",   "Booking", "Course",  "Lesson",  "Student",  "Grade",    "Vehicle",   "Route",    "Driver",  "Parcel"};
constexpr std::array kEnumNouns{"Status", "Kind", "Level", "Stage", "Channel", "Visibility", "Tier"};
constexpr std::array kEnumValues{"DRAFT", "ACTIVE", "PAUSED", "ARCHIVED", "PENDING", "FAILED", "DELETED"};

// The id kinds: the field's declaration, and what a foreign key to it is declared as.
struct IdKind {
  const char* id;
  const char* fk_type;
  const char* fk_native;  // appended to the foreign key's attributes
};
constexpr std::array kIds{
    IdKind{"Int      @id @default(autoincrement())", "Int", ""},
    IdKind{"String   @id @default(uuid()) @db.Uuid", "String", " @db.Uuid"},
    IdKind{"BigInt   @id @default(autoincrement())", "BigInt", ""},
    IdKind{"String   @id @default(cuid())", "String", ""},
};

// The optional scalar fields: every scalar type, required, optional and list, native types,
// literal defaults, @map. A model takes each with a chance of a third.
struct Scalar {
  const char* name;
  const char* declaration;
};
constexpr std::array kScalars{
    Scalar{"slug", "String    @unique @db.VarChar(80)"},
    Scalar{"title", "String?"},
    Scalar{"body", "String?   @db.Text"},
    Scalar{"code", "String    @db.Char(8)"},
    Scalar{"externalId", "String    @unique @default(uuid()) @db.Uuid @map(\"external_id\")"},
    Scalar{"quantity", "Int       @default(0)"},
    Scalar{"priority", "Int       @default(3) @db.SmallInt"},
    Scalar{"views", "BigInt    @default(0)"},
    Scalar{"ratio", "Float     @default(1.5)"},
    Scalar{"score", "Float?    @db.Real"},
    Scalar{"price", "Decimal   @default(0) @db.Decimal(12, 2)"},
    Scalar{"balance", "Decimal?  @db.Money"},
    Scalar{"active", "Boolean   @default(true)"},
    Scalar{"dueOn", "DateTime? @db.Date @map(\"due_on\")"},
    Scalar{"startsAt", "DateTime? @db.Timestamptz(3)"},
    Scalar{"opensAt", "DateTime? @db.Time(0)"},
    Scalar{"metadata", "Json      @default(\"{}\") @db.JsonB"},
    Scalar{"payload", "Json?"},
    Scalar{"avatar", "Bytes?"},
    Scalar{"checksum", "Bytes     @db.ByteA"},
    Scalar{"tags", "String[]"},
    Scalar{"ratings", "Int[]     @default([])"},
    Scalar{"weights", "Float[]"},
    Scalar{"amounts", "Decimal[]"},
    Scalar{"ip", "String?   @db.Inet"},
    Scalar{"flags", "String?   @db.VarBit(16)"},
    Scalar{"legacyOid", "Int?      @db.Oid"},
    Scalar{"deletedAt", "DateTime?"},
    Scalar{"note", "String    @default(\"it's \\\"new\\\"\") @db.VarChar(200)"},
};

struct EnumPlan {
  std::string name;
  std::vector<std::string> values;
};

struct ModelPlan {
  std::string name;     // "Invoice017"
  std::string lower;    // "invoice017"
  std::string db_name;  // @@map, or name
  int id_kind = 0;
  std::vector<std::string> fields;       // "name  Type  attributes"
  std::vector<std::string> back_fields;  // the other side of later models' relations
  std::vector<std::string> attributes;   // @@unique, @@index, @@map
};

std::string field(const std::string& name, const std::string& declaration) {
  return fmt::format("{:<16} {}", name, declaration);
}

std::vector<EnumPlan> plan_enums(int count, std::string& out) {
  std::vector<EnumPlan> enums;
  for (int k = 0; k < count; ++k) {
    EnumPlan e{fmt::format("{}{:02}", kEnumNouns[static_cast<std::size_t>(k) % kEnumNouns.size()], k), {}};
    const int n = 3 + k % 5;
    for (int v = 0; v < n; ++v) e.values.push_back(kEnumValues[static_cast<std::size_t>((k + v) % 7)]);
    out += fmt::format("enum {} {{\n", e.name);
    for (const auto& v : e.values) {
      std::string lower = v;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += k % 4 == 1 ? fmt::format("  {} @map(\"{}\")\n", v, lower) : fmt::format("  {}\n", v);
    }
    if (k % 5 == 2) out += fmt::format("\n  @@map(\"{}_enum\")\n", e.name);
    out += "}\n\n";
    enums.push_back(std::move(e));
  }
  return enums;
}

// A relation target among models [0, i) not yet used by model i (one relation per pair keeps
// the relations unnamed, as most schemas are); -1 when none is found.
int pick_target(Random& rnd, int i, std::vector<int>& used) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    int t = rnd.below(i);
    if (std::find(used.begin(), used.end(), t) == used.end()) {
      used.push_back(t);
      return t;
    }
  }
  return -1;
}

}  // namespace

GeneratedSchema generate_schema(int models, std::uint64_t seed) {
  models = std::max(models, 2);
  Random rnd(seed);
  GeneratedSchema g;
  g.models = models;
  g.enums = std::max(3, models / 8);

  std::string head = fmt::format(
      "// Generated by pgkit_schema_bench (bench/schema_generator.cpp): {} models, seed {}.\n\n"
      "datasource db {{\n  provider = \"postgresql\"\n}}\n\n"
      "generator client {{\n  provider = \"prisma-client-js\"\n}}\n\n",
      models, seed);
  std::string enum_text;
  const std::vector<EnumPlan> enums = plan_enums(g.enums, enum_text);

  std::vector<ModelPlan> plan(static_cast<std::size_t>(models));
  for (int i = 0; i < models; ++i) {
    ModelPlan& m = plan[static_cast<std::size_t>(i)];
    const std::string noun = kNouns[static_cast<std::size_t>(i) % kNouns.size()];
    m.name = fmt::format("{}{:03}", noun, i);
    m.lower = m.name;
    m.lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m.lower[0])));
    std::string snake;
    for (char c : noun) snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m.db_name = i % 3 == 1 ? fmt::format("{}_{:03}", snake, i) : m.name;
    m.id_kind = rnd.below(static_cast<int>(kIds.size()));
  }

  for (int i = 0; i < models; ++i) {
    ModelPlan& m = plan[static_cast<std::size_t>(i)];
    auto index = [&](std::string line) {
      m.attributes.push_back(std::move(line));
      ++g.indexes;
    };
    m.fields.push_back(field("id", kIds[static_cast<std::size_t>(m.id_kind)].id));
    m.fields.push_back(field("name", "String    @db.VarChar(120)"));
    std::vector<std::string> has;
    for (const Scalar& s : kScalars) {
      if (!rnd.chance(33)) continue;
      m.fields.push_back(field(s.name, s.declaration));
      has.push_back(s.name);
      if (std::string(s.declaration).find("@unique") != std::string::npos) ++g.indexes;
    }
    auto with = [&](const char* name) { return std::find(has.begin(), has.end(), name) != has.end(); };

    // Enums: a status with a default always, sometimes an optional one and a list with a default.
    const EnumPlan& status = enums[static_cast<std::size_t>(i % g.enums)];
    m.fields.push_back(field("status", fmt::format("{} @default({})", status.name, status.values[1])));
    if (rnd.chance(30))
      m.fields.push_back(field("tier", enums[static_cast<std::size_t>(rnd.below(g.enums))].name + "?"));
    if (rnd.chance(20)) {
      const EnumPlan& e = enums[static_cast<std::size_t>(rnd.below(g.enums))];
      m.fields.push_back(field("labels", fmt::format("{}[] @default([{}, {}])", e.name, e.values[0], e.values[2])));
    }
    m.fields.push_back(field("createdAt", "DateTime  @default(now()) @map(\"created_at\")"));
    m.fields.push_back(field("updatedAt", "DateTime  @updatedAt @map(\"updated_at\")"));

    // Relations, to earlier models.
    std::vector<int> used;
    auto one_to_many = [&](int p, bool with_index) {
      const ModelPlan& parent = plan[static_cast<std::size_t>(p)];
      const IdKind& id = kIds[static_cast<std::size_t>(parent.id_kind)];
      const bool required = !rnd.chance(30);
      static constexpr std::array kOnDeleteRequired{"", "Cascade", "Restrict", "NoAction"};
      static constexpr std::array kOnDeleteOptional{"", "SetNull", "Cascade", "NoAction"};
      static constexpr std::array kOnUpdate{"", "", "Cascade", "NoAction"};
      const std::string on_delete =
          (required ? kOnDeleteRequired : kOnDeleteOptional)[static_cast<std::size_t>(rnd.below(4))];
      const std::string on_update = kOnUpdate[static_cast<std::size_t>(rnd.below(4))];
      const std::string fk = parent.lower + "Id";
      std::string relation = fmt::format("@relation(fields: [{}], references: [id]", fk);
      if (!on_delete.empty()) relation += ", onDelete: " + on_delete;
      if (!on_update.empty()) relation += ", onUpdate: " + on_update;
      if (rnd.chance(10)) relation += fmt::format(", map: \"{}_{}_fk\"", m.lower, parent.lower);
      relation += ")";
      m.fields.push_back(field(fk, fmt::format("{}{}{}", id.fk_type, required ? "" : "?", id.fk_native)));
      m.fields.push_back(field(parent.lower, fmt::format("{}{} {}", parent.name, required ? "" : "?", relation)));
      plan[static_cast<std::size_t>(p)].back_fields.push_back(field(m.lower + "s", m.name + "[]"));
      if (with_index) index(fmt::format("@@index([{}])", fk));
      ++g.one_to_many;
      return fk;
    };
    if (i >= 1) one_to_many(pick_target(rnd, i, used), true);
    if (i >= 3 && rnd.chance(50)) {
      if (int p = pick_target(rnd, i, used); p >= 0) {
        std::string fk = one_to_many(p, false);
        index(fmt::format("@@index([{}, createdAt(sort: Desc)])", fk));
      }
    }
    if (i >= 2 && i % 6 == 5) {
      if (int q = pick_target(rnd, i, used); q >= 0) {
        const ModelPlan& other = plan[static_cast<std::size_t>(q)];
        const IdKind& id = kIds[static_cast<std::size_t>(other.id_kind)];
        const std::string fk = other.lower + "Id";
        m.fields.push_back(field(fk, fmt::format("{}? @unique{}", id.fk_type, id.fk_native)));
        m.fields.push_back(
            field(other.lower,
                  fmt::format("{}? @relation(fields: [{}], references: [id], onDelete: SetNull)", other.name, fk)));
        plan[static_cast<std::size_t>(q)].back_fields.push_back(field(m.lower, m.name + "?"));
        ++g.indexes;
        ++g.one_to_one;
      }
    }
    if (i >= 2 && i % 10 == 7) {
      if (int r = pick_target(rnd, i, used); r >= 0) {
        const ModelPlan& other = plan[static_cast<std::size_t>(r)];
        m.fields.push_back(field(other.lower + "s", other.name + "[]"));
        plan[static_cast<std::size_t>(r)].back_fields.push_back(field(m.lower + "s", m.name + "[]"));
        ++g.many_to_many;
      }
    }

    // Indexes that follow from the fields.
    if (with("code")) index("@@unique([name, code])");
    if (i % 2 == 0) index("@@index([createdAt(sort: Desc), name])");
    if (with("metadata")) index("@@index([metadata(ops: JsonbPathOps)], type: Gin)");
    if (with("tags")) index("@@index([tags], type: Gin)");
    if (with("code")) index("@@index([code], type: Hash)");
    if (with("startsAt") && i % 3 == 0) index("@@index([startsAt], type: Brin)");
    if (with("priority"))
      index(fmt::format("@@index([status, priority(sort: Desc)], map: \"{}_status_priority_idx\")", m.db_name));
    if (m.db_name != m.name) m.attributes.push_back(fmt::format("@@map(\"{}\")", m.db_name));
  }

  std::string models_text;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const ModelPlan& m = plan[i];
    if (i % 5 == 0) models_text += fmt::format("/// {}: generated, model {} of {}.\n", m.name, i + 1, plan.size());
    models_text += fmt::format("model {} {{\n", m.name);
    for (const auto& f : m.fields) models_text += "  " + f + "\n";
    for (const auto& f : m.back_fields) models_text += "  " + f + "\n";
    if (!m.attributes.empty()) models_text += "\n";
    for (const auto& a : m.attributes) models_text += "  " + a + "\n";
    models_text += "}\n\n";
    g.fields += static_cast<int>(m.fields.size() + m.back_fields.size());
  }
  g.text = head + enum_text + models_text;
  return g;
}

}  // namespace pgkit::bench
