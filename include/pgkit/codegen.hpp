#pragma once
/// @file codegen.hpp
/// The typed C++ client generated from a schema.prisma (docs/client.md): one struct per model,
/// one `enum class` per enum, and what the client runtime (pgkit/client/) needs to read and
/// write their rows. Reads the parsed schema (schema.hpp); never a database.
///
/// @code
///   auto files = pgkit::codegen::generate_client(pgkit::schema::load("prisma/schema.prisma"),
///                                                {.name_space = "app", .schema_path = "prisma/schema.prisma"});
///   pgkit::codegen::write_files("generated", files);   // generated/app/client.hpp, …
/// @endcode

#include <filesystem>
#include <string>
#include <vector>

#include "pgkit/schema.hpp"

namespace pgkit::codegen {

struct ClientOptions {
  /// The C++ namespace of the generated code, and the folder its files go in ("app" →
  /// app/client.hpp). A C++ identifier; nested namespaces as "app::db" (folder app/db).
  std::string name_space = "db";
  /// How the header comment names the schema the code came from (as the user gave it).
  std::string schema_path = "schema.prisma";
};

/// One generated file: its path under the output folder, and its text.
struct GeneratedFile {
  std::string path;
  std::string text;
};

/// The client's files: `<ns>/client.hpp` (includes the rest but the next),
/// `<ns>/async_client.hpp` (the calls as coroutines; it brings Asio), `<ns>/enums.hpp`,
/// `<ns>/relations.hpp` (the relation descriptors), a `<ns>/<model>.hpp` per model
/// (snake_case), and `<ns>/client.cpp` (every model's out-of-line code), in that order.
/// @throws UsageError when name_space is not a C++ namespace name
std::vector<GeneratedFile> generate_client(const schema::Schema& schema, const ClientOptions& options = {});

/// What write_files did, by path.
struct WriteReport {
  std::vector<std::string> written;    ///< new or changed
  std::vector<std::string> unchanged;  ///< same text: not touched, so builds do not redo them
};

/// Writes each file under out (folders created). A file whose text is already there is left
/// alone. @throws Error naming a file that cannot be written
WriteReport write_files(const std::filesystem::path& out, const std::vector<GeneratedFile>& files);

}  // namespace pgkit::codegen
