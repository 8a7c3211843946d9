#include "studio/model_names.hpp"

namespace pgkit::studio {

ModelNames::ModelNames(const schema::Schema& s) {
  for (const auto& m : s.models) {
    if (m.ignored) continue;
    const std::string schema = m.schema.empty() ? s.default_schema() : m.schema;
    models_[{schema, m.db_name}] = m.name;
    for (const auto& f : m.fields)
      if (!f.is_relation() && !f.ignored) fields_[{schema, m.db_name, f.db_name}] = f.name;
  }
}

const std::string* ModelNames::model(const catalog::Table& t) const {
  auto found = models_.find({t.schema, t.name});
  return found == models_.end() ? nullptr : &found->second;
}

const std::string* ModelNames::field(const catalog::Table& t, const std::string& column) const {
  auto found = fields_.find({t.schema, t.name, column});
  return found == fields_.end() ? nullptr : &found->second;
}

}  // namespace pgkit::studio
