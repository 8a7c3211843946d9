#pragma once
/// @file params.hpp
/// Query parameters ($1 … $n). Values are always sent separately from the SQL text: no pgkit
/// API splices a value into a statement.

#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "pgkit/types.hpp"

namespace pgkit {

/// SQL text plus where the call was made, so errors can say so. Converts implicitly from any
/// string; the source location is the caller's.
struct Sql {
  std::string_view text;
  std::source_location where;

  template <class S>
  requires std::is_convertible_v<const S&, std::string_view> Sql(
      const S& s, std::source_location w = std::source_location::current())  // NOLINT: implicit on purpose
      : text(s), where(w) {}
};

/// Encoded parameters in the shape libpq wants: parallel arrays of values, lengths, formats and
/// type OIDs. Text format throughout, except bytea which is sent as binary.
class Params {
 public:
  Params() = default;
  template <class... Args>
  explicit Params(const Args&... args) {
    reserve(sizeof...(Args));
    (add(args), ...);
  }
  // Copies and moves keep no pointers: values() rebuilds them for the object it is called on.
  Params(const Params&) = default;
  Params& operator=(const Params&) = default;
  Params(Params&&) noexcept = default;
  Params& operator=(Params&&) noexcept = default;
  ~Params() = default;

  /// Adds other's values after this one's ($n+1 … in other's order).
  void append(const Params& other);
  /// Adds other's value at index (0-based) after this one's.
  void append(const Params& other, int index);

  void reserve(std::size_t n);
  void add_null(Oid type = oid::kUnknown);
  void add_text(std::string_view text, Oid type = oid::kUnknown);
  void add_binary(const void* data, std::size_t size, Oid type);

  void add(std::nullptr_t) { add_null(); }
  void add(std::nullopt_t) { add_null(); }
  void add(const char* s) { s ? add_text(s) : add_null(); }
  void add(std::string_view s) { add_text(s); }
  void add(const std::string& s) { add_text(s); }
  void add(const Bytes& b) { add_binary(b.data(), b.size(), oid::kBytea); }
  template <class T>
  void add(const std::optional<T>& v) {
    if (v)
      add(*v);
    else
      add_null(ValueTraits<T>::type);
  }
  /// Any integer of 16, 32 or 64 bits.
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>) void add(T v) {
    if constexpr (sizeof(T) <= 2)
      add_value<std::int16_t>(static_cast<std::int16_t>(v));
    else if constexpr (sizeof(T) <= 4)
      add_value<std::int32_t>(static_cast<std::int32_t>(v));
    else
      add_value<std::int64_t>(static_cast<std::int64_t>(v));
  }
  /// Every other type with ValueTraits (bool, double, Uuid, Timestamp, arrays, your own…).
  template <class T>
  requires((!std::is_integral_v<T> || std::is_same_v<T, bool>)&&!std::is_array_v<T> &&
           !std::is_pointer_v<T>) void add(const T& v) {
    add_value<T>(v);
  }

  int size() const { return static_cast<int>(oids_.size()); }
  /// Empties it, keeping its memory: one Params reused for many rows' values.
  void clear() noexcept;
  /// Pointers into this object, valid until it changes.
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  const Oid* types() const { return oids_.data(); }

 private:
  template <class T>
  void add_value(const T& v) {
    std::string text;
    ValueTraits<T>::write(text, v);
    push(std::move(text), ValueTraits<T>::type, 0, false);
  }
  void push(std::string data, Oid type, int format, bool null);

  std::vector<std::string> storage_;
  std::vector<char> nulls_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<Oid> oids_;
  mutable std::vector<const char*> pointers_;
};

}  // namespace pgkit
