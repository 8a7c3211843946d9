// generate_client: the schema's models and enums as C++ (docs/design/client.md). The text is laid
// out as pgkit's own code is (two-space indent, a member a line, doc comments from the schema's
// ///), so a generated file reads like a hand-written one.
#include <fmt/format.h>

#include <cctype>

#include "codegen/cpp_names.hpp"
#include "codegen/model_text.hpp"
#include "pgkit/codegen.hpp"
#include "pgkit/error.hpp"

namespace pgkit::codegen {

using detail::snake_case;

namespace {

// "app::db" → ok; "", "app::", "1x", "class" → not a namespace name.
bool is_namespace_name(const std::string& ns) {
  std::size_t start = 0;
  while (true) {
    std::size_t end = ns.find("::", start);
    std::string part = ns.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.empty() || std::isdigit(static_cast<unsigned char>(part[0])) || detail::is_cpp_keyword(part)) return false;
    for (char c : part)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    if (end == std::string::npos) return true;
    start = end + 2;
  }
}

std::string folder_of(const std::string& ns) {
  std::string out;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (ns.compare(i, 2, "::") == 0) {
      out += '/';
      ++i;
    } else {
      out += ns[i];
    }
  }
  return out;
}

std::string enums_header(const schema::Schema& schema, const detail::Context& cx) {
  std::string out = cx.banner;
  out += "#pragma once\n\n#include <optional>\n#include <string>\n#include <string_view>\n\n";
  out += "#include \"pgkit/client/model.hpp\"\n#include \"pgkit/types.hpp\"\n\n";
  out += fmt::format("namespace {} {{\n\n", cx.name_space);
  out += "/// The value of E whose schema name is name (from_string<Role>(\"ADMIN\")); nullopt when none.\n";
  out += "template <class E>\nconstexpr std::optional<E> from_string(std::string_view name) noexcept;\n";
  for (const auto& e : schema.enums) out += detail::enum_text(e);
  out += fmt::format("\n}}  // namespace {}\n", cx.name_space);
  for (const auto& e : schema.enums) out += detail::enum_traits_text(e, cx);
  return out;
}

// What Client and AsyncClient differ in.
struct ClientClass {
  const char* name;         // "Client"
  const char* executor;     // "Executor"
  const char* delegate;     // "Delegate"
  const char* doc;          // the class's comment
  const char* transaction;  // its transaction() member
};

std::string client_class(const std::vector<const schema::Model*>& models, const detail::Context& cx,
                         const ClientClass& c) {
  std::string out = fmt::format("\nnamespace {} {{\n\n{}class {} {{\n public:\n", cx.name_space, c.doc, c.name);
  std::string init;
  for (const auto* m : models) init += fmt::format(", {}(on)", detail::delegate_name(*m));
  out += fmt::format("  explicit {}(::pgkit::client::{} on) : executor_(on){} {{}}\n\n", c.name, c.executor, init);
  out += fmt::format("{}\n private:\n  ::pgkit::client::{} executor_;\n\n public:\n", c.transaction, c.executor);
  for (const auto* m : models)
    out += fmt::format("  ::pgkit::client::{}<{}> {};\n", c.delegate, detail::cpp_identifier(m->name),
                       detail::delegate_name(*m));
  return out + fmt::format("}};\n\n}}  // namespace {}\n", cx.name_space);
}

std::string client_header(const std::vector<const schema::Model*>& models, const detail::Context& cx) {
  std::string out = cx.banner;
  out += "#pragma once\n// The whole client: every enum and model of the schema, and Client, their calls.\n\n";
  out += "#include \"pgkit/client/delegate.hpp\"\n#include \"pgkit/client/executor.hpp\"\n#include \"enums.hpp\"\n";
  for (const auto* m : models) out += fmt::format("#include \"{}.hpp\"\n", snake_case(m->name));
  out += "#include \"relations.hpp\"\n";
  return out +
         client_class(models, cx,
                      {"Client", "Executor", "Delegate",
                       "/// The schema's models' calls (`db.user.find_many(…)`), on a pgkit::Pool, or inside a "
                       "transaction\n/// (`db.transaction([](Client& tx) { … })`).\n",
                       "  /// Run fn(Client&) in one transaction, as Pool::transaction does (COMMIT on return, "
                       "ROLLBACK on\n  /// throw, retried on serialization failures); inside a transaction, in a "
                       "SAVEPOINT.\n  template <class F>\n  auto transaction(F&& fn, ::pgkit::TransactionOptions "
                       "options = {}) const {\n    return executor_.transaction(\n        [&](::pgkit::Transaction& "
                       "tx) {\n          Client in(tx);\n          return fn(in);\n        },\n        options);\n  "
                       "}\n"});
}

// async_client.hpp: the same calls as coroutines, in a header of its own (it brings Asio).
std::string async_client_header(const std::vector<const schema::Model*>& models, const detail::Context& cx) {
  std::string out = cx.banner;
  out +=
      "#pragma once\n// The schema's models' calls as coroutines (pgkit::AsyncPool): include where you co_await.\n\n"
      "#include \"client.hpp\"\n#include \"pgkit/client/async_delegate.hpp\"\n";
  return out +
         client_class(models, cx,
                      {"AsyncClient", "AsyncExecutor", "AsyncDelegate",
                       "/// The calls of Client, each an asio::awaitable (`co_await db.user.find_many(…)`), on a "
                       "pgkit::AsyncPool or\n/// inside a transaction (`co_await db.transaction([&](AsyncClient& tx) "
                       "-> asio::awaitable<R> { … })`).\n",
                       "  /// fn(AsyncClient&) in one transaction, with AsyncPool::transaction's rules (COMMIT when "
                       "its awaitable\n  /// returns, ROLLBACK when it throws, retried on serialization failures).\n"
                       "  template <class F>\n  auto transaction(F fn, ::pgkit::TransactionOptions options = {}) "
                       "const\n      -> std::invoke_result_t<F&, AsyncClient&> {\n    auto body = "
                       "::pgkit::client::detail::with_client<AsyncClient>(std::move(fn));\n    return "
                       "executor_.transaction(std::move(body), options);\n  }\n"});
}

}  // namespace

std::vector<GeneratedFile> generate_client(const schema::Schema& schema, const ClientOptions& options) {
  if (!is_namespace_name(options.name_space))
    throw UsageError({.message = fmt::format("\"{}\" is not a C++ namespace name", options.name_space),
                      .hint = "use letters, digits and underscores, nested with ::, not a C++ keyword (app, "
                              "app::db)"});
  detail::Context cx;
  cx.name_space = options.name_space;
  cx.schema = &schema;
  const catalog::Catalog tables = schema::to_catalog(schema);
  cx.tables = &tables;
  cx.banner = fmt::format(
      "// Generated by `pgkit generate` from {}.\n// Do not edit: change the schema and run `pgkit generate` again.\n",
      options.schema_path);
  std::vector<const schema::Model*> models;
  for (const auto& m : schema.models)
    if (!m.ignored) models.push_back(&m);

  const std::string folder = folder_of(options.name_space) + "/";
  std::vector<GeneratedFile> files;
  files.push_back({folder + "client.hpp", client_header(models, cx)});
  files.push_back({folder + "async_client.hpp", async_client_header(models, cx)});
  files.push_back({folder + "enums.hpp", enums_header(schema, cx)});
  files.push_back({folder + "relations.hpp", detail::relations_header(models, cx)});
  // One source for every model's out-of-line code: a build system knows the file names before
  // the schema is read (pgkit_generate_client).
  std::string source = cx.banner + "#include \"client.hpp\"\n";
  for (const auto* m : models) {
    files.push_back({folder + snake_case(m->name) + ".hpp", detail::model_header(*m, cx)});
    source += "\n" + detail::model_source(*m, cx);
  }
  files.push_back({folder + "client.cpp", source});
  return files;
}

}  // namespace pgkit::codegen
