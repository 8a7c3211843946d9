// A `.prisma` file into its syntax tree: blocks, their lines, comments and blank lines, in
// source order. The grammar is Prisma's (psl/schema-ast/src/parser/datamodel.pest) — line
// based: a field, enum value, property or block attribute ends at the end of its line. A line
// that makes no sense is reported (saying what was expected) and skipped, so one run reports
// every bad line; a block left open is reported at its keyword.
#include <utility>

#include <fmt/format.h>

#include "schema/cursor.hpp"
#include "schema/internal.hpp"

namespace pgkit::schema {

const char* ast::to_string(Block::Kind kind) {
  switch (kind) {
    case Block::Kind::model: return "model";
    case Block::Kind::view: return "view";
    case Block::Kind::type: return "type";
    case Block::Kind::enumeration: return "enum";
    case Block::Kind::datasource: return "datasource";
    case Block::Kind::generator: return "generator";
  }
  return "block";
}

namespace detail {
namespace {

using ast::Block;
using ast::Entry;

std::optional<Block::Kind> block_kind(std::string_view keyword) {
  if (keyword == "model") return Block::Kind::model;
  if (keyword == "view") return Block::Kind::view;
  if (keyword == "type") return Block::Kind::type;
  if (keyword == "enum") return Block::Kind::enumeration;
  if (keyword == "datasource") return Block::Kind::datasource;
  if (keyword == "generator") return Block::Kind::generator;
  return std::nullopt;
}

class FileParser {
 public:
  FileParser(std::string_view text, std::uint32_t file, Problems& problems)
      : c_(text, file, problems), problems_(problems) {}

  ast::File run() {
    if (c_.starts_with("\xEF\xBB\xBF")) c_.advance(3);  // a UTF-8 byte-order mark
    skip_blank_lines();
    while (!c_.eof()) top_level_item();
    return std::move(file_);
  }

 private:
  Cursor c_;
  Problems& problems_;
  ast::File file_;
  // Doc comments waiting for the next declaration (Prisma's "pending comment block").
  std::string pending_doc_;
  bool pending_is_run_ = false;  // the previous line was a comment: a new doc line extends it

  void skip_blank_lines() {
    while (!c_.eof() && c_.rest_of_line_blank()) c_.next_line();
  }

  void add_entry(std::vector<Entry>& entries, Entry::Kind kind, std::size_t index) {
    if (kind == Entry::Kind::blank && !entries.empty() && entries.back().kind == Entry::Kind::blank) return;
    entries.push_back({kind, static_cast<std::uint32_t>(index)});
  }

  bool at_comment() const { return detail::at_comment(c_); }

  // `@@…`, or a name followed by a type or an attribute: a new line of the block, not the rest
  // of the previous one.
  static bool looks_like_declaration(Cursor probe) {
    if (probe.starts_with("@@")) return true;
    if (!probe.identifier()) return false;
    if (probe.space_length() == 0) return false;
    probe.skip_spaces();
    return is_ident_start(probe.peek()) || probe.peek() == '@' || probe.peek() == '=';
  }

  // After a line that failed with brackets left open: the lines that close them are part of
  // that attribute (Prisma does not allow it), not fields — skip them rather than report each.
  void skip_continuation(std::uint32_t line_start) {
    int depth = 0;
    bool in_string = false;
    auto scan = [&](std::uint32_t from, std::uint32_t to) {
      for (std::uint32_t i = from; i < to; ++i) {
        const char ch = c_.text()[i];
        if (in_string) {
          if (ch == '\\')
            ++i;
          else if (ch == '"')
            in_string = false;
        } else if (ch == '"') {
          in_string = true;
        } else if (ch == '(' || ch == '[' || ch == '{') {
          ++depth;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          --depth;
        }
      }
      in_string = false;  // a string never goes on to the next line
    };
    scan(line_start, c_.pos());
    while (depth > 0 && !c_.eof()) {
      Cursor probe = c_;
      probe.skip_spaces();
      if (probe.peek() == '}') {
        probe.advance();
        if (probe.rest_of_line_blank()) break;  // the block's end
      }
      if (at_block_header() || looks_like_declaration(probe)) break;
      const std::uint32_t start = c_.pos();
      c_.next_line();
      scan(start, c_.pos());
    }
  }

  // A comment line (top level or in a block): recorded, and its doc text kept for what follows.
  void comment_line(std::vector<ast::Comment>& comments, std::vector<Entry>& entries) {
    auto com = read_comment(c_);
    if (!com) return;
    if (!pending_is_run_) pending_doc_.clear();
    if (com->kind == ast::Comment::Kind::block && pending_is_run_) {
      while (com->leading < com->span.start && (c_.text()[com->span.start - com->leading - 1] == ' ' ||
                                                c_.text()[com->span.start - com->leading - 1] == '\t')) {
        ++com->leading;
      }
    }
    if (com->kind != ast::Comment::Kind::line) append_doc(pending_doc_, doc_text(*com, c_.text()));
    pending_is_run_ = true;
    add_entry(entries, Entry::Kind::comment, comments.size());
    comments.push_back(*com);
    c_.skip_spaces();
    if (c_.at_line_end()) c_.next_line();
  }

  std::string take_doc() {
    pending_is_run_ = false;
    return std::exchange(pending_doc_, {});
  }

  // `model Name {` (or another keyword) at the cursor, without moving it.
  bool at_block_header() const {
    Cursor probe = c_;
    auto keyword = probe.identifier();
    if (!keyword || !block_kind(keyword->text)) return false;
    probe.skip_spaces();
    if (!probe.identifier()) return false;
    probe.skip_spaces();
    return probe.peek() == '{';
  }

  void top_level_item() {
    c_.skip_spaces();
    if (c_.at_line_end()) {
      c_.next_line();
      skip_blank_lines_into(file_.entries);
      return;
    }
    if (at_comment()) {
      comment_line(file_.comments, file_.entries);
      return;
    }
    const std::uint32_t start = c_.pos();
    if (auto keyword = c_.identifier()) {
      if (auto kind = block_kind(keyword->text)) {
        block(*kind, *keyword);
        return;
      }
      c_.skip_spaces();
      auto name = c_.identifier();
      c_.skip_spaces();
      if (name && c_.peek() == '{') {
        c_.error(start, fmt::format("unknown block type {}: a block is a model, enum, view, type, datasource or "
                                    "generator",
                                    backquoted(keyword->text)));
        skip_unknown_block();
        return;
      }
    }
    c_.seek(start);
    c_.error(start, fmt::format("this line is not part of any block: a schema holds model, enum, view, type, "
                                "datasource and generator blocks and comments (found {})",
                                c_.describe_here()));
    c_.next_line();
    pending_is_run_ = false;
  }

  // Blank lines after a line end: one blank entry for the whole run (Prisma's empty_lines).
  void skip_blank_lines_into(std::vector<Entry>& entries) {
    skip_blank_lines();
    if (!c_.eof()) add_entry(entries, Entry::Kind::blank, 0);
    pending_is_run_ = false;
  }

  void skip_unknown_block() {
    c_.next_line();
    while (!c_.eof()) {
      c_.skip_spaces();
      if (c_.peek() == '}') {
        c_.next_line();
        return;
      }
      c_.next_line();
    }
  }

  void block(Block::Kind kind, ast::Ident keyword) {
    Block b;
    b.kind = kind;
    b.keyword = keyword;
    b.doc = pending_is_run_ ? take_doc() : std::string();
    pending_doc_.clear();
    pending_is_run_ = false;
    c_.skip_spaces();
    auto name = c_.identifier();
    if (!name) {
      c_.error_here(
          fmt::format("expected the {}'s name after `{}`, found {}", keyword.text, keyword.text, c_.describe_here()));
      c_.next_line();
      return;
    }
    b.name = *name;
    c_.skip_spaces();
    if (kind == Block::Kind::type && c_.peek() == '=') {
      c_.error(keyword.span.start,
               "type aliases (`type A = B`) are not supported: declare the field's type "
               "directly");
      c_.next_line();
      return;
    }
    if (c_.peek() != '{') {
      c_.error_here(fmt::format("expected `{{` after `{} {}`, found {}", keyword.text, name->text, c_.describe_here()));
      c_.next_line();
      return;
    }
    c_.advance();
    c_.skip_spaces();
    if (!c_.at_line_end() && !at_comment()) {
      // Prisma reads the rest of the `{` line as nothing: `model A {}` leaves A open.
      c_.error_here(fmt::format("`{{` must end its line: move {} to the next line", c_.describe_here()));
    }
    c_.next_line();
    skip_blank_lines();  // blank lines right after `{` are not kept
    if (kind == Block::Kind::model || kind == Block::Kind::view) {
      b.fields.reserve(16);
      b.entries.reserve(24);
    }
    const bool closed = block_lines(b);
    b.unclosed = !closed;
    if (!closed) {
      c_.error(keyword.span.start, fmt::format("{} {} is not closed: add `}}` on a line of its own after its last "
                                               "line",
                                               keyword.text, name->text));
    }
    b.span = {keyword.span.start, c_.pos()};
    file_.entries.push_back({Entry::Kind::block, static_cast<std::uint32_t>(file_.blocks.size())});
    file_.blocks.push_back(std::move(b));
    pending_doc_.clear();
    pending_is_run_ = false;
    if (closed) {
      // The rest of the `}` line: a comment, or its line end, which Prisma counts as blank.
      c_.skip_spaces();
      if (at_comment()) return;
      if (c_.at_line_end()) {
        c_.next_line();
        skip_blank_lines_into(file_.entries);
      }
    }
  }

  // The lines of a block, up to its `}`. False when the block is never closed.
  bool block_lines(Block& b) {
    pending_doc_.clear();
    pending_is_run_ = false;
    while (!c_.eof()) {
      c_.skip_spaces();
      if (c_.at_line_end()) {
        c_.next_line();
        add_entry(b.entries, Entry::Kind::blank, 0);
        pending_is_run_ = false;
        continue;
      }
      if (c_.peek() == '}') {
        c_.advance();
        return true;
      }
      if (at_comment()) {
        comment_line(b.comments, b.entries);
        continue;
      }
      if (at_block_header()) return false;  // the previous block was never closed
      pending_is_run_ = false;
      const std::uint32_t line_start = c_.pos();
      const std::size_t errors_before = problems_.error_count();
      if (c_.starts_with("@@")) {
        block_attribute_line(c_, b);  // Prisma leaves a pending doc comment to the next field
      } else {
        switch (b.kind) {
          case Block::Kind::model:
          case Block::Kind::view:
          case Block::Kind::type: field_line(c_, b, take_doc()); break;
          case Block::Kind::enumeration: enum_value_line(c_, b, take_doc()); break;
          case Block::Kind::datasource:
          case Block::Kind::generator:
            take_doc();
            property_line(c_, b);
            break;
        }
      }
      if (problems_.error_count() > errors_before) skip_continuation(line_start);
    }
    return false;
  }
};

}  // namespace

ast::File parse_file(std::string_view text, std::uint32_t file, Problems& problems) {
  return FileParser(text, file, problems).run();
}

}  // namespace detail
}  // namespace pgkit::schema
