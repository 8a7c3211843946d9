#pragma once
// The session describe() reads the catalog in: one snapshot, and the settings that change what
// the deparsing functions print pinned as pg_dump pins them.
#include <array>
#include <string>
#include <utility>

namespace pgkit {
class Connection;
}

namespace pgkit::catalog::detail {

/// Settings that change what the deparsing functions print: an empty search_path makes every
/// name schema-qualified; the others fix how constants in defaults and checks are printed
/// (timestamps, intervals, floats, bytea).
inline constexpr std::array<std::pair<const char*, const char*>, 6> kPinnedSettings = {{
    {"search_path", ""},
    {"DateStyle", "ISO"},
    {"IntervalStyle", "postgres"},
    {"TimeZone", "UTC"},
    {"extra_float_digits", "3"},
    {"bytea_output", "hex"},
}};

/// Pins kPinnedSettings for its lifetime. Outside a transaction it opens a read-only
/// repeatable-read one (one snapshot for every query) and rolls it back at the end; inside the
/// caller's transaction it sets them locally and puts the caller's values back.
class PinnedSession {
 public:
  using Values = std::array<std::string, kPinnedSettings.size()>;

  explicit PinnedSession(Connection& conn);
  ~PinnedSession();
  PinnedSession(const PinnedSession&) = delete;
  PinnedSession& operator=(const PinnedSession&) = delete;

 private:
  Values current();
  void set(const Values& values);

  Connection& conn_;
  bool own_transaction_ = false;
  Values saved_;
};

}  // namespace pgkit::catalog::detail
