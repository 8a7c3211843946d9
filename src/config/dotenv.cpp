// .env files: the common subset of the dotenv format (what docker compose and the Node dotenv
// package agree on). Values stay in a map; nothing is put into the process environment,
// because setenv is not thread-safe and would leak the file into child processes.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/config_internal.hpp"

namespace pgkit {
namespace detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
  }
  return true;
}

// What is wrong with one line, or "" when it is fine. Messages never quote the line: it may
// hold a password.
struct LineResult {
  std::string key;
  std::string value;
  std::string error;
  std::string fix;
};

// After a closing quote only blanks and a comment may follow.
bool only_comment_after(std::string_view rest) {
  std::size_t i = 0;
  while (i < rest.size() && is_blank(rest[i])) ++i;
  return i == rest.size() || rest[i] == '#';
}

LineResult parse_double_quoted(std::string_view rest, LineResult r) {
  for (std::size_t i = 1; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '"') {
      if (!only_comment_after(rest.substr(i + 1))) {
        r.error = "has text after the closing quote";
        r.fix = "put a space and # before a trailing comment, or quote the whole value";
      }
      return r;
    }
    if (c == '\\' && i + 1 < rest.size()) {
      char next = rest[++i];
      switch (next) {
        case 'n': r.value += '\n'; break;
        case 't': r.value += '\t'; break;
        case 'r': r.value += '\r'; break;
        case '"': r.value += '"'; break;
        case '\\': r.value += '\\'; break;
        default: r.value += '\\'; r.value += next;  // unknown escapes stay as written
      }
      continue;
    }
    r.value += c;
  }
  r.error = "has an unterminated double quote";
  r.fix = "close the quote on the same line (write a newline as \\n)";
  return r;
}

LineResult parse_line(std::string_view line) {
  LineResult r;
  if (line.rfind("export", 0) == 0 && line.size() > 6 && is_blank(line[6])) {
    line.remove_prefix(7);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  }
  auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    r.error = "has no '='";
    r.fix = "write it as KEY=VALUE, or start it with # to make it a comment";
    return r;
  }
  r.key = trim(line.substr(0, eq));
  if (!valid_name(r.key)) {
    r.error = "does not start with a valid variable name";
    r.fix = "use letters, digits and _ before the '=', e.g. DATABASE_URL=…";
    return r;
  }
  std::string_view rest = line.substr(eq + 1);
  bool blank_before = false;  // a '#' only starts a comment after a blank, as in docker compose
  while (!rest.empty() && is_blank(rest.front())) {
    rest.remove_prefix(1);
    blank_before = true;
  }
  if (!rest.empty() && rest.front() == '"') return parse_double_quoted(rest, r);
  if (!rest.empty() && rest.front() == '\'') {
    auto close = rest.find('\'', 1);
    if (close == std::string_view::npos) {
      r.error = "has an unterminated single quote";
      r.fix = "close the quote on the same line";
    } else if (!only_comment_after(rest.substr(close + 1))) {
      r.error = "has text after the closing quote";
      r.fix = "put a space and # before a trailing comment, or quote the whole value";
    } else {
      r.value = rest.substr(1, close - 1);  // single quotes: literal, no escapes
    }
    return r;
  }
  std::size_t end = rest.size();
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '#' && (i == 0 ? blank_before : is_blank(rest[i - 1]))) {
      end = i;
      break;
    }
  }
  r.value = trim(rest.substr(0, end));
  return r;
}

}  // namespace

DotenvFile parse_dotenv_text(std::string_view text, const std::string& file_name) {
  DotenvFile file;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.remove_prefix(3);  // editors on Windows add a BOM
  std::size_t number = 0;
  for (std::size_t start = 0; start <= text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    LineResult r = parse_line(line);
    if (!r.error.empty()) {
      file.problems.push_back({fmt::format("{} line {}", file_name, number), "the line " + r.error, r.fix});
      continue;
    }
    file.values[r.key] = r.value;  // a later line wins, as in a shell script
  }
  return file;
}

DotenvFile read_dotenv_file(const ConfigOptions& options) {
  namespace fs = std::filesystem;
  bool explicit_path = !options.dotenv_path.empty();
  std::string path = explicit_path ? options.dotenv_path : ".env";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (!explicit_path) return {};  // no ./.env is the normal case in production
    return {{}, {{path, "does not exist", "create it, fix ConfigOptions::dotenv_path, or set read_dotenv=false"}}};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open() || fs::is_directory(path, ec)) {
    return {{}, {{path, "cannot be read", "check that it is a file and its permissions"}}};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_dotenv_text(buffer.str(), path);
}

}  // namespace detail

std::map<std::string, std::string> parse_dotenv(const std::string& text) {
  return detail::parse_dotenv_text(text, ".env").values;
}

}  // namespace pgkit
