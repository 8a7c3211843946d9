#pragma once
/// @file types.hpp
/// C++ types for PostgreSQL values that have no exact standard-library match, and the
/// conversions between PostgreSQL's text format and C++ values in both directions.
///
/// Built in: bool, int16/32/64, float/double, std::string (text, varchar, enums, …),
/// Numeric (numeric as text, no precision lost), Bytes (bytea), Uuid, Timestamp (timestamptz),
/// Date, Json (json/jsonb text), std::vector<int32/int64/std::string> (arrays), and
/// std::optional<T> for NULL. Add a type by specialising ValueTraits<T>.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgkit {

/// A PostgreSQL type OID (as in pg_type). 0 lets the server infer the type from context.
using Oid = unsigned int;

namespace oid {
inline constexpr Oid kUnknown = 0, kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kJson = 114,
                     kFloat4 = 700, kFloat8 = 701, kInt4Array = 1007, kTextArray = 1009, kInt8Array = 1016,
                     kDate = 1082, kTimestamp = 1114, kTimestamptz = 1184, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}

/// bytea.
using Bytes = std::vector<std::uint8_t>;

/// numeric, kept as its exact decimal text ("12345.6789").
struct Numeric {
  std::string text;
  bool operator==(const Numeric&) const = default;
};

/// json or jsonb, as JSON text. Sent as jsonb.
struct Json {
  std::string text;
  bool operator==(const Json&) const = default;
};

/// uuid.
struct Uuid {
  std::array<std::uint8_t, 16> bytes{};
  /// Parse "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" (hyphens optional, braces allowed).
  /// @throws ConversionError
  static Uuid parse(std::string_view text);
  /// A random (version 4) UUID from OpenSSL's generator.
  static Uuid random();
  /// Lower-case canonical form.
  std::string str() const;
  bool operator==(const Uuid&) const = default;
};

/// timestamptz, microsecond precision, UTC. ±infinity map to max() / min().
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;
/// date.
using Date = std::chrono::sys_days;

/// How a C++ type crosses to PostgreSQL: the OID it is sent as, how to write it as text, how
/// to read it from text. Specialise for your own types.
template <class T>
struct ValueTraits;

#define PGKIT_VALUE_TRAITS(T, OID)                   \
  template <>                                        \
  struct ValueTraits<T> {                            \
    static constexpr Oid type = OID;                 \
    static void write(std::string& out, const T& v); \
    static T read(std::string_view text);            \
  }

PGKIT_VALUE_TRAITS(bool, oid::kBool);
PGKIT_VALUE_TRAITS(std::int16_t, oid::kInt2);
PGKIT_VALUE_TRAITS(std::int32_t, oid::kInt4);
PGKIT_VALUE_TRAITS(std::int64_t, oid::kInt8);
PGKIT_VALUE_TRAITS(float, oid::kFloat4);
PGKIT_VALUE_TRAITS(double, oid::kFloat8);
/// Strings are sent untyped, so the server reads them as whatever the context needs
/// (text, varchar, an enum, a date literal) — as node-postgres does.
PGKIT_VALUE_TRAITS(std::string, oid::kUnknown);
PGKIT_VALUE_TRAITS(Numeric, oid::kNumeric);
PGKIT_VALUE_TRAITS(Json, oid::kJsonb);
PGKIT_VALUE_TRAITS(Uuid, oid::kUuid);
PGKIT_VALUE_TRAITS(Bytes, oid::kBytea);
PGKIT_VALUE_TRAITS(Timestamp, oid::kTimestamptz);
PGKIT_VALUE_TRAITS(Date, oid::kDate);
PGKIT_VALUE_TRAITS(std::vector<std::int32_t>, oid::kInt4Array);
PGKIT_VALUE_TRAITS(std::vector<std::int64_t>, oid::kInt8Array);
PGKIT_VALUE_TRAITS(std::vector<std::string>, oid::kTextArray);
#undef PGKIT_VALUE_TRAITS

/// Any other one-dimensional array (bool[], float8[], numeric[], an enum's array, …): each
/// element through ValueTraits<T>, written quoted; sent untyped, so the server reads it as the
/// column's type. NULL elements are refused, as for the arrays above.
template <class T>
struct ValueTraits<std::vector<T>> {
  static constexpr Oid type = oid::kUnknown;
  static void write(std::string& out, const std::vector<T>& v) {
    std::vector<std::string> texts;
    texts.reserve(v.size());
    for (const auto& element : v) ValueTraits<T>::write(texts.emplace_back(), element);
    ValueTraits<std::vector<std::string>>::write(out, texts);
  }
  static std::vector<T> read(std::string_view text) {
    std::vector<T> out;
    for (const auto& element : ValueTraits<std::vector<std::string>>::read(text))
      out.push_back(ValueTraits<T>::read(element));
    return out;
  }
};

/// `long` and `long long` are both 64-bit here; read and write them as int64.
template <>
struct ValueTraits<long long> {
  static constexpr Oid type = oid::kInt8;
  static void write(std::string& out, long long v) { ValueTraits<std::int64_t>::write(out, v); }
  static long long read(std::string_view t) { return ValueTraits<std::int64_t>::read(t); }
};

}  // namespace pgkit
