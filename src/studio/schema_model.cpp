#include "studio/schema_model.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "pgkit/client/ids.hpp"
#include "studio/edits.hpp"

namespace pgkit::studio {

namespace {

using Kind = schema::DefaultValue::Kind;

std::string written(const schema::DefaultValue& d) {
  switch (d.kind) {
    case Kind::uuid: return d.version == 7 ? "uuid(7)" : "uuid()";
    case Kind::cuid: return d.version == 2 ? "cuid(2)" : "cuid()";
    case Kind::nanoid: return d.length ? fmt::format("nanoid({})", d.length) : "nanoid()";
    case Kind::ulid: return "ulid()";
    default: return "";
  }
}

// A new value as Prisma's client makes it (client/ids.hpp: the same algorithms).
std::string generated(const schema::DefaultValue& d) {
  switch (d.kind) {
    case Kind::uuid: return d.version == 7 ? client::ids::uuid7() : client::ids::uuid4();
    case Kind::cuid: return d.version == 2 ? client::ids::cuid2() : client::ids::cuid();
    case Kind::nanoid: return client::ids::nanoid(d.length ? d.length : 21);
    default: return client::ids::ulid();
  }
}

// Now in UTC, with its offset: a timestamptz reads it as it is, and a timestamp (Prisma's
// DateTime) keeps the UTC time, as Prisma's client writes it, whatever the session's zone.
std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  // gmtime: fmt 9 prints a system_clock time in the machine's local zone.
  return fmt::format("{:%Y-%m-%d %H:%M:%S}.{:03}+00", fmt::gmtime(seconds), ms);
}

}  // namespace

SchemaModel::SchemaModel(const schema::Schema& s) {
  for (const auto& m : s.models) {
    if (m.ignored) continue;
    const std::string schema = m.schema.empty() ? s.default_schema() : m.schema;
    models_[{schema, m.db_name}] = m.name;
    for (const auto& f : m.fields) {
      if (f.is_relation() || f.ignored) continue;
      FieldInfo info{f.name, std::nullopt, f.updated_at};
      if (f.default_value && !f.default_value->in_database() && !written(*f.default_value).empty())
        info.client_default = f.default_value;
      fields_[{schema, m.db_name, f.db_name}] = std::move(info);
    }
  }
}

const std::string* SchemaModel::model(const catalog::Table& t) const {
  auto found = models_.find({t.schema, t.name});
  return found == models_.end() ? nullptr : &found->second;
}

const SchemaModel::FieldInfo* SchemaModel::info(const catalog::Table& t, const std::string& column) const {
  auto found = fields_.find({t.schema, t.name, column});
  return found == fields_.end() ? nullptr : &found->second;
}

const std::string* SchemaModel::field(const catalog::Table& t, const std::string& column) const {
  const FieldInfo* i = info(t, column);
  return i ? &i->name : nullptr;
}

std::optional<std::string> SchemaModel::client_default(const catalog::Table& t, const std::string& column) const {
  const FieldInfo* i = info(t, column);
  if (!i) return std::nullopt;
  if (i->client_default) return written(*i->client_default);
  if (i->updated_at) return "now (@updatedAt)";
  return std::nullopt;
}

void SchemaModel::fill(const catalog::Table& t, std::vector<Change>& changes) const {
  for (auto& change : changes) {
    if (change.kind == Change::Kind::remove) continue;
    for (const auto& c : t.columns) {
      const FieldInfo* i = info(t, c.name);
      if (!i || (!i->updated_at && !(i->client_default && change.kind == Change::Kind::insert))) continue;
      const bool given =
          std::any_of(change.values.begin(), change.values.end(), [&](const auto& v) { return v.first == &c; });
      if (given) continue;
      change.values.emplace_back(&c, i->updated_at ? now_utc() : generated(*i->client_default));
    }
  }
}

}  // namespace pgkit::studio
