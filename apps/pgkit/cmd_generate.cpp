// `pgkit generate`: the typed C++ client from schema.prisma — a thin layer over
// pgkit/codegen.hpp.
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/codegen.hpp"
#include "pgkit/schema.hpp"

namespace pgkit::cli {
namespace {

struct GenerateOptions {
  std::string schema, out, name_space = "db";
};

int generate(const GenerateOptions& o) {
  std::filesystem::path path = schema_or_default(o.schema);
  schema::Schema parsed = schema::load(path);
  for (const auto& w : parsed.warnings) fmt::print(stderr, "{}\n", w.text());
  // Beside the schema by default, as Prisma's generators write theirs.
  std::filesystem::path out = o.out.empty() ? path.parent_path() / "generated" : std::filesystem::path(o.out);
  auto files = codegen::generate_client(parsed, {.name_space = o.name_space, .schema_path = path.string()});
  auto report = codegen::write_files(out, files);
  std::size_t models = 0;
  for (const auto& m : parsed.models) models += m.ignored ? 0 : 1;
  fmt::print("Generated the pgkit client `{}` ({} model{}, {} enum{}) in {}: {} file{} written, {} unchanged.\n",
             o.name_space, models, models == 1 ? "" : "s", parsed.enums.size(), parsed.enums.size() == 1 ? "" : "s",
             out.string(), report.written.size(), report.written.size() == 1 ? "" : "s", report.unchanged.size());
  return kOk;
}

}  // namespace

void add_generate_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand("generate", "Generate the typed C++ client from the schema (docs/client.md)");
  cmd->add_option("--schema", o->schema, "schema.prisma file or folder (default ./prisma/schema.prisma)");
  cmd->add_option("--out", o->out, "Where the client's folder goes (default: generated/ beside the schema)");
  cmd->add_option("--namespace", o->name_space, "The client's C++ namespace, and its folder's name (default db)");
  cmd->callback([o, &exit_code] { exit_code = generate(*o); });
}

}  // namespace pgkit::cli
