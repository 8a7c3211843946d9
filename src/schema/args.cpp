// Reading attribute arguments: by name or position as Prisma does (parser-database's
// Context::visit_default_arg / visit_optional_arg), with every argument nobody took reported,
// and the value coercions shared by all attributes.
#include <charconv>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {

std::string attribute_label(const ast::Attribute& a) { return fmt::format("{}{}", a.block ? "@@" : "@", a.name.text); }

namespace {

std::string value_text(const ast::Expression& e) {
  std::string_view raw = e.raw;
  if (e.kind == ast::Expression::Kind::function) return fmt::format("{}(…)", raw);
  if (raw.size() > 40) return std::string(raw.substr(0, 40)) + "…";
  return std::string(raw);
}

}  // namespace

Args::Args(Context& ctx, std::uint32_t file, const ast::Attribute& attr,
           std::initializer_list<std::string_view> accepted)
    : ctx_(ctx), file_(file), attr_(attr) {
  for (std::string_view a : accepted) {
    if (accepted_count_ < accepted_.size()) accepted_[accepted_count_++] = a;
  }
  const auto& args = attr.args.args;
  if (attr.args.trailing_comma) {
    ctx.error(file, attr.args.trailing_comma->start,
              fmt::format("remove the trailing comma in {}(…): Prisma does not allow it", attribute_label(attr)));
  }
  std::size_t unnamed = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (!arg.has_value) {
      ctx.error(file, arg.span.start,
                fmt::format("`{}:` has no value in {}: write `{}: …` or remove it", arg.name.text,
                            attribute_label(attr), arg.name.text));
      use(i);
      ok_ = false;
      continue;
    }
    if (arg.name.text.empty()) {
      if (++unnamed == 2) {
        std::string all;
        for (const auto& a : args) {
          if (!a.name.text.empty()) continue;
          if (!all.empty()) all += ", ";
          all += a.value.raw;
        }
        ctx.error(file, arg.span.start,
                  fmt::format("{} takes one unnamed argument, but several are given: did you mean the list `[{}]`?",
                              attribute_label(attr), all));
        ok_ = false;
      }
      continue;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (args[j].name.text == arg.name.text) {
        ctx.error(file, arg.span.start,
                  fmt::format("`{}` is given twice in {}: keep one", arg.name.text, attribute_label(attr)));
        use(i);
        break;
      }
    }
  }
}

const ast::Expression* Args::take_default(std::string_view name, bool required) {
  if (const ast::Expression* named = take(name)) return named;
  const auto& args = attr_.args.args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].name.text.empty() && !used(i)) {
      use(i);
      return &args[i].value;
    }
  }
  if (required && ok_) {
    ctx_.error(file_, attr_.span.start,
               fmt::format("{} needs its `{}` argument: {}({}: …)", attribute_label(attr_), name,
                           attribute_label(attr_), name));
  }
  return nullptr;
}

const ast::Expression* Args::take(std::string_view name) {
  const auto& args = attr_.args.args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!used(i) && args[i].has_value && args[i].name.text == name) {
      use(i);
      return &args[i].value;
    }
  }
  return nullptr;
}

void Args::finish() {
  const auto& args = attr_.args.args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (used(i)) continue;
    use(i);
    std::string accepted;
    for (std::size_t k = 0; k < accepted_count_; ++k) {
      accepted += k == 0 ? "" : (k + 1 == accepted_count_ ? " and " : ", ");
      accepted += backquoted(accepted_[k]);
    }
    const std::string takes = accepted_count_ == 0 ? fmt::format("{} takes no arguments", attribute_label(attr_))
                                                   : fmt::format("{} takes {}", attribute_label(attr_), accepted);
    if (args[i].name.text.empty()) {
      ctx_.error(file_, args[i].span.start,
                 fmt::format("unexpected argument `{}`: {}", value_text(args[i].value), takes));
    } else {
      ctx_.error(file_, args[i].span.start, fmt::format("unknown argument `{}`: {}", args[i].name.text, takes));
    }
  }
}

std::uint32_t argument_start(const ast::Attribute& a, std::string_view name) {
  for (const auto& arg : a.args.args) {
    if (arg.name.text == name) return arg.span.start;
  }
  return a.span.start;
}

AttributeSet::AttributeSet(Context& ctx, std::uint32_t file, const std::vector<ast::Attribute>& attrs,
                           std::string_view kind, std::string_view name)
    : ctx_(ctx), file_(file), attrs_(attrs), kind_(kind), name_(name) {}

const ast::Attribute* AttributeSet::single(std::string_view name) {
  const ast::Attribute* found = nullptr;
  std::size_t count = 0;
  for (std::size_t i = 0; i < attrs_.size(); ++i) {
    const std::string_view n = attrs_[i].name.text;
    // Size and first letter first: most attributes are not the one asked for.
    if (n.size() != name.size() || n[0] != name[0] || n != name || used(i)) continue;
    use(i);
    if (++count == 1) found = &attrs_[i];
  }
  if (count < 2) return found;
  for (const auto& a : attrs_) {
    if (a.name.text != name) continue;
    ctx_.error(file_, a.span.start,
               fmt::format("{} is given {} times on {}: keep one", attribute_label(a), count, owner()));
  }
  return nullptr;
}

std::vector<const ast::Attribute*> AttributeSet::repeated(std::string_view name) {
  std::vector<const ast::Attribute*> out;
  for (std::size_t i = 0; i < attrs_.size(); ++i) {
    if (attrs_[i].name.text != name || used(i)) continue;
    use(i);
    out.push_back(&attrs_[i]);
  }
  return out;
}

const ast::Attribute* AttributeSet::native_type() {
  const ast::Attribute* found = nullptr;
  for (std::size_t i = 0; i < attrs_.size(); ++i) {
    if (used(i) || attrs_[i].block || attrs_[i].name.text.find('.') == std::string_view::npos) continue;
    use(i);
    if (found) {
      ctx_.error(file_, attrs_[i].span.start,
                 fmt::format("{} has two native types ({} and {}): keep one", owner(), attribute_label(*found),
                             attribute_label(attrs_[i])));
      continue;
    }
    found = &attrs_[i];
  }
  return found;
}

void AttributeSet::finish(std::string_view known) {
  for (std::size_t i = 0; i < attrs_.size(); ++i) {
    if (used(i)) continue;
    ctx_.error(file_, attrs_[i].span.start,
               fmt::format("unknown attribute {} on {}: {}", attribute_label(attrs_[i]), owner(), known));
  }
}

std::optional<std::string> expect_string(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                         std::string_view what) {
  if (e.kind == ast::Expression::Kind::string) return e.value;
  ctx.error(file, e.span.start,
            fmt::format("{} must be a string (in double quotes), found {} `{}`", what, e.describe(), value_text(e)));
  return std::nullopt;
}

std::optional<std::string_view> expect_constant(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                                std::string_view what) {
  if (e.kind == ast::Expression::Kind::constant) return e.raw;
  ctx.error(file, e.span.start,
            fmt::format("{} must be a name without quotes, found {} `{}`", what, e.describe(), value_text(e)));
  return std::nullopt;
}

std::optional<bool> expect_bool(Context& ctx, std::uint32_t file, const ast::Expression& e, std::string_view what) {
  if (e.kind == ast::Expression::Kind::constant && (e.raw == "true" || e.raw == "false")) return e.raw == "true";
  ctx.error(file, e.span.start, fmt::format("{} must be true or false, found `{}`", what, value_text(e)));
  return std::nullopt;
}

std::optional<long long> expect_integer(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                        std::string_view what) {
  long long value = 0;
  if (e.kind == ast::Expression::Kind::number) {
    auto [end, ec] = std::from_chars(e.raw.data(), e.raw.data() + e.raw.size(), value);
    if (ec == std::errc() && end == e.raw.data() + e.raw.size()) return value;
  }
  ctx.error(file, e.span.start, fmt::format("{} must be a whole number, found `{}`", what, value_text(e)));
  return std::nullopt;
}

}  // namespace pgkit::schema::detail
