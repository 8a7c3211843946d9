// format(): the layout `prisma format` writes (psl/schema-ast/src/reformat.rs), byte for byte.
// Within a block, lines are rows of a table whose columns (name, type, attributes — or key and
// `= value`) are padded to the widest cell; a blank line starts a new table. Attributes are put
// in Prisma's order, block attributes move to the end after one blank line (each with the
// comment lines right above it), and blocks are separated by one blank line.
//
// Only the layout: `prisma format` also adds missing back-relation fields and @relation
// arguments; pgkit does not invent fields — a missing back-relation is a validation error.
#include <algorithm>
#include <array>

#include "schema/internal.hpp"

namespace pgkit::schema {
namespace detail {
namespace {

using ast::Entry;

// Prisma's attribute order within a line (and among block attributes); others go last.
std::size_t attribute_rank(std::string_view name) {
  static constexpr std::array<std::string_view, 9> order = {"id",       "unique", "default",  "updatedAt", "index",
                                                            "fulltext", "map",    "relation", "ignore"};
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] == name) return i;
  }
  return order.size();
}

void append_expression(std::string& out, const ast::Expression& e);

void append_arguments(std::string& out, const std::vector<ast::Argument>& args) {
  out += '(';
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    if (!args[i].name.text.empty()) {
      out += args[i].name.text;
      out += ": ";
    }
    if (args[i].has_value) append_expression(out, args[i].value);
  }
  out += ')';
}

void append_expression(std::string& out, const ast::Expression& e) {
  switch (e.kind) {
    case ast::Expression::Kind::string:
    case ast::Expression::Kind::number:
    case ast::Expression::Kind::constant: out += e.raw; break;
    case ast::Expression::Kind::function:
      out += e.raw;
      append_arguments(out, e.args);
      break;
    case ast::Expression::Kind::object:
      out += "{ ";
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += e.args[i].name.text;
        out += ": ";
        append_expression(out, e.args[i].value);
      }
      out += e.args.empty() ? "}" : " }";
      break;
    case ast::Expression::Kind::array:
      out += '[';
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        if (i > 0) out += ", ";
        append_expression(out, e.items[i]);
      }
      out += ']';
      break;
  }
}

std::string attribute_text(const ast::Attribute& a) {
  std::string out = a.block ? "@@" : "@";
  out += a.name.text;
  if (a.args.present) append_arguments(out, a.args.args);
  return out;
}

// Attribute indices in Prisma's order (a stable sort by rank).
std::vector<std::size_t> sorted_attributes(const std::vector<ast::Attribute>& attrs) {
  std::vector<std::size_t> order(attrs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return attribute_rank(attrs[a].name.text) < attribute_rank(attrs[b].name.text);
  });
  return order;
}

class Output {
 public:
  void write(std::string_view s) {
    if (out_.empty() || out_.back() == '\n') out_.append(static_cast<std::size_t>(indent_) * 2, ' ');
    out_ += s;
  }
  void pad(std::size_t n) { out_.append(n, ' '); }
  void end_line() { out_ += '\n'; }
  void indent(int by) { indent_ += by; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  int indent_ = 0;
};

// Prisma's TableFormat: rows of cells padded to the widest cell of their column (in bytes, as
// Prisma measures), and a suffix (a trailing comment) that does not count.
class Table {
 public:
  void row() { rows_.push_back({}); }
  std::string& cell(std::size_t column) {
    auto& cells = rows_.back().cells;
    if (cells.size() <= column) cells.resize(column + 1);
    return cells[column];
  }
  void suffix(std::string_view text) { rows_.back().suffix += text; }

  void render(Output& out) {
    std::vector<std::size_t> widths;
    for (auto& r : rows_) {
      while (!r.cells.empty() && r.cells.back().empty()) r.cells.pop_back();
      if (widths.size() < r.cells.size()) widths.resize(r.cells.size());
      for (std::size_t i = 0; i < r.cells.size(); ++i) widths[i] = std::max(widths[i], r.cells[i].size());
    }
    for (const auto& r : rows_) {
      for (std::size_t i = 0; i < r.cells.size(); ++i) {
        out.write(r.cells[i]);
        if (i + 1 < r.cells.size()) out.pad(widths[i] - r.cells[i].size() + 1);
      }
      if (!r.suffix.empty()) {
        if (!r.cells.empty()) out.write(" ");
        out.write(r.suffix);
      }
      out.end_line();
    }
    rows_.clear();
  }

 private:
  struct Row {
    std::vector<std::string> cells;
    std::string suffix;
  };
  std::vector<Row> rows_;
};

// A comment as Prisma lays it out: line comments as written; `/* … */` as `/**`, ` * line`…, ` */`.
void comment_rows(Table& table, const ast::Comment& c, std::string_view text) {
  if (c.kind != ast::Comment::Kind::block) {
    table.row();
    table.suffix(c.text);
    return;
  }
  table.row();
  table.suffix("/**");
  std::string_view inner = c.block_inner(text);
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  };
  while (true) {
    const auto nl = inner.find('\n');
    std::string_view line = trim(inner.substr(0, nl));
    if (!line.empty() && line.front() == '*') {
      line.remove_prefix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    }
    if (!line.empty()) {
      table.row();
      table.suffix(" * ");
      table.suffix(line);
    }
    if (nl == std::string_view::npos) break;
    inner.remove_prefix(nl + 1);
  }
  table.row();
  table.suffix(" */");
}

class Renderer {
 public:
  explicit Renderer(std::string_view text) : text_(text) {}

  std::string run(const ast::File& tree) {
    const auto& entries = tree.entries;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      switch (entries[i].kind) {
        case Entry::Kind::block: block(tree.blocks[entries[i].index]); break;
        case Entry::Kind::comment: {
          Table t;
          comment_rows(t, tree.comments[entries[i].index], text_);
          t.render(out_);
          break;
        }
        case Entry::Kind::blank:
          if (i + 1 < entries.size()) out_.end_line();  // trailing blank lines are dropped
          break;
        default: break;
      }
    }
    std::string result = out_.take();
    if (result.empty() || result.back() != '\n') result += '\n';
    return result;
  }

 private:
  std::string_view text_;
  Output out_;

  std::string_view source(ast::Span s) const { return text_.substr(s.start, s.end - s.start); }

  void field_row(Table& t, const ast::Field& f) {
    t.row();
    t.cell(0) = std::string(f.name.text);
    if (f.type) {
      std::string& type = t.cell(1);
      type = source(f.type->base);
      switch (f.type->arity) {
        case ast::Arity::required: break;
        case ast::Arity::optional: type += '?'; break;
        case ast::Arity::list: type += "[]"; break;
        case ast::Arity::optional_list: type += "[]?"; break;
      }
    }
    std::string& attrs = t.cell(2);
    for (std::size_t idx : sorted_attributes(f.attributes)) {
      if (!attrs.empty()) attrs += ' ';
      attrs += attribute_text(f.attributes[idx]);
    }
    if (f.trailing) t.suffix(f.trailing->text);
  }

  void enum_value_row(Table& t, const ast::EnumValue& v) {
    t.row();
    t.cell(0) = std::string(v.name.text);
    // Prisma writes an enum value's attributes one after the other with no space between.
    for (const auto& a : v.attributes) t.cell(1) += attribute_text(a);
    if (v.trailing) t.suffix(v.trailing->text);
  }

  void property_row(Table& t, const ast::Property& p) {
    t.row();
    t.cell(0) = std::string(p.name.text);
    std::string value = "= ";
    if (p.value) append_expression(value, *p.value);
    t.cell(1) = std::move(value);
    if (p.trailing) t.suffix(p.trailing->text);
  }

  void block(const ast::Block& b) {
    out_.write(b.keyword.text);
    out_.write(" ");
    out_.write(b.name.text);
    out_.write(" {");
    out_.end_line();
    out_.indent(1);

    const auto& entries = b.entries;
    Table table;
    struct Moved {
      std::size_t first_comment, end_comment;  // comment entries moved along with the attribute
      std::size_t attribute;
    };
    std::vector<Moved> attributes;
    std::size_t pending_first = 0, pending_end = 0;  // comments waiting for their attribute

    std::size_t i = 0;
    while (i < entries.size() && entries[i].kind == Entry::Kind::blank) ++i;
    while (true) {
      bool ate_blank = false;
      if (i < entries.size() && entries[i].kind == Entry::Kind::blank) {
        ate_blank = true;
        ++i;
        const bool next_is_field_like =
            i < entries.size() && entries[i].kind != Entry::Kind::attribute && entries[i].kind != Entry::Kind::comment;
        if (next_is_field_like) {
          table.render(out_);
          table.row();  // the blank line itself
        }
      }
      if (i >= entries.size()) break;
      const Entry e = entries[i];
      switch (e.kind) {
        case Entry::Kind::comment: {
          std::size_t end = i;
          while (end < entries.size() && entries[end].kind == Entry::Kind::comment) ++end;
          if (end < entries.size() && entries[end].kind == Entry::Kind::attribute) {
            pending_first = i;
            pending_end = end;
          } else {
            if (ate_blank) {
              table.render(out_);
              table.row();
            }
            for (std::size_t k = i; k < end; ++k) comment_rows(table, b.comments[entries[k].index], text_);
          }
          i = end;
          continue;
        }
        case Entry::Kind::field: field_row(table, b.fields[e.index]); break;
        case Entry::Kind::enum_value: enum_value_row(table, b.values[e.index]); break;
        case Entry::Kind::property: property_row(table, b.properties[e.index]); break;
        case Entry::Kind::attribute:
          attributes.push_back({pending_first, pending_end, e.index});
          pending_first = pending_end = 0;
          break;
        default: break;
      }
      ++i;
    }
    table.render(out_);

    if (!attributes.empty()) table.row();
    std::stable_sort(attributes.begin(), attributes.end(), [&](const Moved& x, const Moved& y) {
      return attribute_rank(b.attributes[x.attribute].name.text) < attribute_rank(b.attributes[y.attribute].name.text);
    });
    for (const auto& m : attributes) {
      for (std::size_t k = m.first_comment; k < m.end_comment; ++k)
        comment_rows(table, b.comments[entries[k].index], text_);
      table.row();
      table.cell(0) = attribute_text(b.attributes[m.attribute]);
      if (b.attribute_trailing[m.attribute]) table.suffix(b.attribute_trailing[m.attribute]->text);
    }
    table.render(out_);
    out_.indent(-1);
    out_.write("}");
    out_.end_line();
  }
};

}  // namespace

std::string render(const ast::File& tree, std::string_view text) { return Renderer(text).run(tree); }

}  // namespace detail

std::string format(const SchemaFile& file) {
  std::vector<SchemaFile> files{file};
  detail::Problems problems(files);
  ast::File tree = detail::parse_file(files[0].text, 0, problems);
  if (problems.has_errors()) throw SchemaError(problems.take(false));
  return detail::render(tree, files[0].text);
}

}  // namespace pgkit::schema
