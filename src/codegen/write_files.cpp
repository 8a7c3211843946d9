#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <system_error>

#include "pgkit/codegen.hpp"
#include "pgkit/error.hpp"

namespace pgkit::codegen {

namespace fs = std::filesystem;

namespace {

bool same_text(const fs::path& path, const std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return have == text;
}

[[noreturn]] void cannot_write(const fs::path& path, const std::string& why) {
  throw Error({.message = fmt::format("cannot write {}: {}", path.string(), why),
               .hint = "check that the output folder (--out) is writable"});
}

}  // namespace

WriteReport write_files(const fs::path& out, const std::vector<GeneratedFile>& files) {
  WriteReport report;
  for (const auto& file : files) {
    fs::path path = out / file.path;
    if (same_text(path, file.text)) {
      report.unchanged.push_back(file.path);
      continue;
    }
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) cannot_write(path, ec.message());
    // Written beside and renamed over: a build reading the old file never sees half a new one.
    fs::path temporary = path;
    temporary += ".tmp";
    {
      std::ofstream o(temporary, std::ios::binary | std::ios::trunc);
      if (!(o << file.text) || !o.flush()) cannot_write(temporary, "the write failed");
    }
    fs::rename(temporary, path, ec);
    if (ec) cannot_write(path, ec.message());
    report.written.push_back(file.path);
  }
  return report;
}

}  // namespace pgkit::codegen
