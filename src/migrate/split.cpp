// split_statements: a small lexer that knows just enough of PostgreSQL's syntax to find the
// semicolons that end statements. It follows psql's own rules (psqlscan.l): quotes, E'' strings,
// quoted identifiers, dollar quotes, nested block comments, and BEGIN ATOMIC … END bodies.
#include <algorithm>
#include <cctype>
#include <string_view>

#include "pgkit/migrate.hpp"

namespace pgkit::migrate {
namespace {

// Bytes of an identifier. Bytes >= 0x80 are letters to PostgreSQL's lexer (any non-ASCII
// character can be part of an identifier).
bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return ident_start(c) || std::isdigit(c) || c == '$'; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

class Splitter {
 public:
  explicit Splitter(std::string_view s) : s_(s) {}

  std::vector<Statement> run() {
    while (i_ < s_.size()) step();
    finish_statement(s_.size());
    return std::move(out_);
  }

 private:
  char at(std::size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  // 1-based line of position pos; positions are asked for in increasing order.
  int line_of(std::size_t pos) {
    line_ += static_cast<int>(std::count(s_.begin() + line_pos_, s_.begin() + pos, '\n'));
    line_pos_ = pos;
    return line_;
  }

  // The first character of the statement that is neither blank nor comment starts it.
  void significant(std::size_t pos) {
    if (!start_) start_ = pos;
  }

  void finish_statement(std::size_t end) {
    if (start_) {
      std::string_view sql = s_.substr(*start_, end - *start_);
      while (!sql.empty() && is_space(sql.back())) sql.remove_suffix(1);
      out_.push_back({std::string(sql), line_of(*start_)});
    }
    start_.reset();
    paren_depth_ = 0;
    atomic_depth_ = 0;
    after_begin_ = false;
  }

  void step() {
    char c = s_[i_];
    if (is_space(c)) {
      ++i_;
      return;
    }
    if (c == '-' && at(i_ + 1) == '-') {
      skip_line_comment();
      return;
    }
    if (c == '/' && at(i_ + 1) == '*') {
      skip_block_comment();
      return;
    }

    if (c == ';' && atomic_depth_ == 0) {
      finish_statement(i_);
      ++i_;
      return;
    }
    significant(i_);
    // Any token but ATOMIC right after BEGIN means it was not BEGIN ATOMIC.
    bool was_after_begin = after_begin_;
    after_begin_ = false;
    if (c == ';') {
      ++i_;
      return;
    }  // a statement inside a BEGIN ATOMIC body
    if (c == '\'') {
      skip_string(i_ + 1, false);
      return;
    }
    if (c == '"') {
      skip_quoted_identifier();
      return;
    }
    if (c == '$' && skip_dollar_quote()) return;
    if (c == '(') {
      ++paren_depth_;
      ++i_;
      return;
    }
    if (c == ')') {
      paren_depth_ = std::max(0, paren_depth_ - 1);
      ++i_;
      return;
    }
    if (ident_start(static_cast<unsigned char>(c))) {
      word(was_after_begin);
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      // A number (or 1e5, 0x1F): digits and letters, so that "1$" cannot start a dollar quote.
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.'))
        ++i_;
      return;
    }
    ++i_;  // an operator or punctuation character
  }

  void word(bool was_after_begin) {
    std::size_t begin = i_;
    while (i_ < s_.size() && ident_char(static_cast<unsigned char>(s_[i_]))) ++i_;
    std::string_view w = s_.substr(begin, i_ - begin);

    // E'…' (and e'…'): backslash escapes are on inside.
    if (at(i_) == '\'' && iequals(w, "e")) {
      skip_string(i_ + 1, true);
      return;
    }

    // BEGIN ATOMIC … END: the body of an SQL-standard function holds semicolons of its own. CASE
    // also ends with END, so inside a body it opens a level too (psql's heuristic). Only words
    // outside parentheses count: CASE … END inside an expression list closes itself.
    if (paren_depth_ > 0) return;
    if (iequals(w, "begin")) {
      after_begin_ = true;
    } else if (iequals(w, "atomic") && was_after_begin) {
      ++atomic_depth_;
    } else if (atomic_depth_ > 0 && iequals(w, "case")) {
      ++atomic_depth_;
    } else if (atomic_depth_ > 0 && iequals(w, "end")) {
      --atomic_depth_;
    }
  }

  void skip_line_comment() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }

  // Block comments nest in PostgreSQL: /* a /* b */ still a comment */.
  void skip_block_comment() {
    int depth = 0;
    while (i_ < s_.size()) {
      if (s_[i_] == '/' && at(i_ + 1) == '*') {
        ++depth;
        i_ += 2;
      } else if (s_[i_] == '*' && at(i_ + 1) == '/') {
        i_ += 2;
        if (--depth == 0) return;
      } else {
        ++i_;
      }
    }
  }

  // From just after the opening quote: '' is a quote; with backslashes on, \' is one too.
  void skip_string(std::size_t from, bool backslashes) {
    i_ = from;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (backslashes && c == '\\') {
        i_ += 2;
      } else if (c == '\'') {
        if (at(i_ + 1) == '\'') {
          i_ += 2;
        } else {
          ++i_;
          return;
        }
      } else {
        ++i_;
      }
    }
    i_ = s_.size();  // unterminated: the rest of the script is the string
  }

  void skip_quoted_identifier() {
    ++i_;
    while (i_ < s_.size()) {
      if (s_[i_] == '"') {
        if (at(i_ + 1) == '"') {
          i_ += 2;
          continue;
        }
        ++i_;
        return;
      }
      ++i_;
    }
  }

  // $$…$$ or $tag$…$tag$. A '$' right after an identifier character belongs to the identifier
  // (PostgreSQL allows '$' in names), and "$1" is a parameter: neither opens a quote.
  bool skip_dollar_quote() {
    if (i_ > 0 && ident_char(static_cast<unsigned char>(s_[i_ - 1]))) return false;
    std::size_t k = i_ + 1;
    if (k < s_.size() && ident_start(static_cast<unsigned char>(s_[k]))) {
      while (k < s_.size() && ident_char(static_cast<unsigned char>(s_[k])) && s_[k] != '$') ++k;
    }
    if (at(k) != '$') return false;
    std::string_view delimiter = s_.substr(i_, k - i_ + 1);
    auto close = s_.find(delimiter, k + 1);
    i_ = close == std::string_view::npos ? s_.size() : close + delimiter.size();
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::optional<std::size_t> start_;  // where the current statement's first real character is
  int paren_depth_ = 0;
  int atomic_depth_ = 0;      // > 0 inside BEGIN ATOMIC … END (plus CASE … END within it)
  bool after_begin_ = false;  // the previous token was BEGIN
  std::size_t line_pos_ = 0;
  int line_ = 1;
  std::vector<Statement> out_;
};

}  // namespace

std::vector<Statement> split_statements(const std::string& script) { return Splitter(script).run(); }

}  // namespace pgkit::migrate
