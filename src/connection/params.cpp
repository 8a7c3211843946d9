// Text-format conversions between C++ values and PostgreSQL, and the parameter arrays libpq
// takes. Text format keeps every type readable in logs and independent of server byte order.
#include "pgkit/params.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "pgkit/error.hpp"

namespace pgkit {
namespace {

[[noreturn]] void bad(std::string_view what, std::string_view text) {
  // Values may be user data: show a short prefix only, enough to recognise the problem.
  throw std::invalid_argument(fmt::format("cannot read \"{}\" as {}", text.substr(0, 40), what));
}

template <class T>
T read_int(std::string_view t, const char* what) {
  T v{};
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) bad(what, t);
  return v;
}

template <class T>
void write_num(std::string& out, T v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

template <class T>
T read_float(std::string_view t, const char* what) {
  if (t == "NaN") return std::numeric_limits<T>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<T>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<T>::infinity();
  T v{};
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) bad(what, t);
  return v;
}

template <class T>
void write_float(std::string& out, T v) {
  if (std::isnan(v))
    out += "NaN";
  else if (std::isinf(v))
    out += v > 0 ? "Infinity" : "-Infinity";
  else
    write_num(out, v);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits a one-dimensional array literal ("{a,\"b c\",NULL}") into its elements.
std::vector<std::optional<std::string>> split_array(std::string_view t) {
  if (t.size() < 2 || t.front() != '{' || t.back() != '}') bad("an array", t);
  std::vector<std::optional<std::string>> out;
  std::size_t i = 1, end = t.size() - 1;
  if (i == end) return out;
  while (i <= end) {
    std::string el;
    bool quoted = false;
    if (t[i] == '"') {
      quoted = true;
      for (++i; i < end && t[i] != '"'; ++i) {
        if (t[i] == '\\' && i + 1 < end) ++i;
        el += t[i];
      }
      ++i;  // closing quote
    } else {
      for (; i < end && t[i] != ','; ++i) el += t[i];
    }
    if (!quoted && el == "NULL")
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(std::move(el));
    if (i < end && t[i] != ',') bad("an array", t);
    ++i;
  }
  return out;
}

template <class T>
std::vector<T> read_array(std::string_view t, const char* what) {
  std::vector<T> out;
  for (auto& el : split_array(t)) {
    if (!el) bad(what, "NULL element (read as std::vector<std::optional<…>> is not supported)");
    if constexpr (std::is_same_v<T, std::string>)
      out.push_back(std::move(*el));
    else
      out.push_back(read_int<T>(*el, what));
  }
  return out;
}

template <class T>
void write_int_array(std::string& out, const std::vector<T>& v) {
  out += '{';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    write_num(out, v[i]);
  }
  out += '}';
}

// The number written by n digits at t[at…]; false when one is not a digit. (Fixed fields, read
// without sscanf, which took about a tenth of pgkit_client_bench's user-space CPU.)
bool fixed_digits(std::string_view t, std::size_t at, std::size_t n, int& out) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (i >= t.size() || t[i] < '0' || t[i] > '9') return false;
    v = v * 10 + (t[i] - '0');
  }
  out = v;
  return true;
}

// "2025-10-10": the date part of a date or timestamp, as DateStyle ISO prints it.
bool iso_date(std::string_view t, int& y, int& mo, int& d) {
  return t.size() >= 10 && fixed_digits(t, 0, 4, y) && t[4] == '-' && fixed_digits(t, 5, 2, mo) && t[7] == '-' &&
         fixed_digits(t, 8, 2, d);
}

// "+05", "+05:30", "+05:30:15" (after the sign): the offset in seconds; false when malformed.
bool utc_offset(std::string_view off, int& seconds) {
  int parts[3] = {0, 0, 0};
  std::size_t at = 0;
  for (int k = 0; k < 3 && at < off.size(); ++k) {
    if (k > 0 && off[at++] != ':') return false;
    if (!fixed_digits(off, at, 2, parts[k])) return false;
    at += 2;
  }
  seconds = parts[0] * 3600 + parts[1] * 60 + parts[2];
  return at == off.size() && !off.empty();
}

// "2025-10-10 15:10:19.487+00", offsets "+05:30" or "-08", as DateStyle ISO prints them.
Timestamp parse_timestamp(std::string_view t) {
  if (t == "infinity") return Timestamp::max();
  if (t == "-infinity") return Timestamp::min();
  int y, mo, d, h, mi, s;
  if (t.size() < 19 || !iso_date(t, y, mo, d) || t[10] != ' ' || !fixed_digits(t, 11, 2, h) || t[13] != ':' ||
      !fixed_digits(t, 14, 2, mi) || t[16] != ':' || !fixed_digits(t, 17, 2, s))
    bad("timestamptz", t);
  std::size_t i = 19;
  std::int64_t micros = 0;
  if (i < t.size() && t[i] == '.') {
    int digits = 0;
    for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i, ++digits)
      if (digits < 6) micros = micros * 10 + (t[i] - '0');
    for (; digits < 6; ++digits) micros *= 10;
  }
  int offset_s = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int sign = t[i] == '+' ? 1 : -1;
    if (!utc_offset(t.substr(i + 1), offset_s)) bad("timestamptz", t);
    offset_s *= sign;
  } else if (i != t.size()) {
    bad("timestamptz", t);
  }
  using namespace std::chrono;
  auto midnight = sys_days(year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)});
  return time_point_cast<microseconds>(midnight) + hours{h} + minutes{mi} + seconds{s} + microseconds{micros} -
         seconds{offset_s};
}

}  // namespace

void ValueTraits<bool>::write(std::string& out, const bool& v) { out += v ? "t" : "f"; }
bool ValueTraits<bool>::read(std::string_view t) {
  if (t == "t" || t == "true") return true;
  if (t == "f" || t == "false") return false;
  bad("bool", t);
}

void ValueTraits<std::int16_t>::write(std::string& out, const std::int16_t& v) { write_num(out, v); }
std::int16_t ValueTraits<std::int16_t>::read(std::string_view t) { return read_int<std::int16_t>(t, "int16"); }
void ValueTraits<std::int32_t>::write(std::string& out, const std::int32_t& v) { write_num(out, v); }
std::int32_t ValueTraits<std::int32_t>::read(std::string_view t) { return read_int<std::int32_t>(t, "int32"); }
void ValueTraits<std::int64_t>::write(std::string& out, const std::int64_t& v) { write_num(out, v); }
std::int64_t ValueTraits<std::int64_t>::read(std::string_view t) { return read_int<std::int64_t>(t, "int64"); }
void ValueTraits<float>::write(std::string& out, const float& v) { write_float(out, v); }
float ValueTraits<float>::read(std::string_view t) { return read_float<float>(t, "float"); }
void ValueTraits<double>::write(std::string& out, const double& v) { write_float(out, v); }
double ValueTraits<double>::read(std::string_view t) { return read_float<double>(t, "double"); }

void ValueTraits<std::string>::write(std::string& out, const std::string& v) { out += v; }
std::string ValueTraits<std::string>::read(std::string_view t) { return std::string(t); }
void ValueTraits<Numeric>::write(std::string& out, const Numeric& v) { out += v.text; }
Numeric ValueTraits<Numeric>::read(std::string_view t) { return {std::string(t)}; }
void ValueTraits<Json>::write(std::string& out, const Json& v) { out += v.text; }
Json ValueTraits<Json>::read(std::string_view t) { return {std::string(t)}; }

void ValueTraits<Uuid>::write(std::string& out, const Uuid& v) { out += v.str(); }
Uuid ValueTraits<Uuid>::read(std::string_view t) { return Uuid::parse(t); }

Uuid Uuid::parse(std::string_view t) {
  Uuid u;
  int n = 0;
  for (char c : t) {
    if (c == '-' || c == '{' || c == '}') continue;
    int h = hex_digit(c);
    if (h < 0 || n >= 32) throw ConversionError({.message = fmt::format("\"{}\" is not a UUID", t.substr(0, 40))});
    u.bytes[n / 2] = static_cast<std::uint8_t>(u.bytes[n / 2] << 4 | h);
    ++n;
  }
  if (n != 32) throw ConversionError({.message = fmt::format("\"{}\" is not a UUID", t.substr(0, 40))});
  return u;
}

Uuid Uuid::random() {
  Uuid u;
  if (RAND_bytes(u.bytes.data(), static_cast<int>(u.bytes.size())) != 1)
    throw Error({.message = "OpenSSL's random generator failed"});
  u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0f) | 0x40);  // version 4
  u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return u;
}

std::string Uuid::str() const {
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += "0123456789abcdef"[bytes[i] >> 4];
    s += "0123456789abcdef"[bytes[i] & 15];
  }
  return s;
}

void ValueTraits<Bytes>::write(std::string& out, const Bytes& v) {
  out += "\\x";
  for (auto b : v) {
    out += "0123456789abcdef"[b >> 4];
    out += "0123456789abcdef"[b & 15];
  }
}
Bytes ValueTraits<Bytes>::read(std::string_view t) {
  if (t.substr(0, 2) != "\\x" || t.size() % 2) bad("bytea (hex format)", t);
  Bytes out;
  out.reserve(t.size() / 2 - 1);
  for (std::size_t i = 2; i < t.size(); i += 2) {
    int hi = hex_digit(t[i]), lo = hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) bad("bytea (hex format)", t);
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

void ValueTraits<Timestamp>::write(std::string& out, const Timestamp& v) {
  using namespace std::chrono;
  if (v == Timestamp::max()) {
    out += "infinity";
    return;
  }
  if (v == Timestamp::min()) {
    out += "-infinity";
    return;
  }
  auto day = floor<days>(v);
  year_month_day ymd{day};
  hh_mm_ss<microseconds> tod{v - day};
  out += fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), tod.hours().count(),
                     tod.minutes().count(), tod.seconds().count(), tod.subseconds().count());
}
Timestamp ValueTraits<Timestamp>::read(std::string_view t) { return parse_timestamp(t); }

void ValueTraits<Date>::write(std::string& out, const Date& v) {
  std::chrono::year_month_day ymd{v};
  out += fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}
Date ValueTraits<Date>::read(std::string_view t) {
  int y, m, d;
  if (t.size() != 10 || !iso_date(t, y, m, d)) bad("date", t);
  return std::chrono::sys_days(std::chrono::year{y} / m / d);
}

void ValueTraits<std::vector<std::int32_t>>::write(std::string& out, const std::vector<std::int32_t>& v) {
  write_int_array(out, v);
}
std::vector<std::int32_t> ValueTraits<std::vector<std::int32_t>>::read(std::string_view t) {
  return read_array<std::int32_t>(t, "int4[]");
}
void ValueTraits<std::vector<std::int64_t>>::write(std::string& out, const std::vector<std::int64_t>& v) {
  write_int_array(out, v);
}
std::vector<std::int64_t> ValueTraits<std::vector<std::int64_t>>::read(std::string_view t) {
  return read_array<std::int64_t>(t, "int8[]");
}
void ValueTraits<std::vector<std::string>>::write(std::string& out, const std::vector<std::string>& v) {
  // Every element quoted, so commas, braces, spaces and the word NULL stay data.
  out += '{';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
}
std::vector<std::string> ValueTraits<std::vector<std::string>>::read(std::string_view t) {
  return read_array<std::string>(t, "text[]");
}

// --- Params ---

void Params::reserve(std::size_t n) {
  storage_.reserve(n);
  nulls_.reserve(n);
  lengths_.reserve(n);
  formats_.reserve(n);
  oids_.reserve(n);
}
void Params::push(std::string data, Oid type, int format, bool null) {
  lengths_.push_back(static_cast<int>(data.size()));
  storage_.push_back(std::move(data));
  nulls_.push_back(null);
  formats_.push_back(format);
  oids_.push_back(type);
}
void Params::clear() noexcept {
  storage_.clear();
  nulls_.clear();
  lengths_.clear();
  formats_.clear();
  oids_.clear();
  pointers_.clear();
}
void Params::add_null(Oid type) { push({}, type, 0, true); }
void Params::add_text(std::string_view text, Oid type) { push(std::string(text), type, 0, false); }
void Params::add_binary(const void* data, std::size_t size, Oid type) {
  push(std::string(static_cast<const char*>(data), size), type, 1, false);
}
void Params::append(const Params& other) {
  storage_.insert(storage_.end(), other.storage_.begin(), other.storage_.end());
  nulls_.insert(nulls_.end(), other.nulls_.begin(), other.nulls_.end());
  lengths_.insert(lengths_.end(), other.lengths_.begin(), other.lengths_.end());
  formats_.insert(formats_.end(), other.formats_.begin(), other.formats_.end());
  oids_.insert(oids_.end(), other.oids_.begin(), other.oids_.end());
}
void Params::append(const Params& other, int index) {
  auto i = static_cast<std::size_t>(index);
  push(other.storage_.at(i), other.oids_[i], other.formats_[i], other.nulls_[i] != 0);
}
const char* const* Params::values() const {
  // Built on demand: storage_ may have moved its strings (and their small buffers) while growing.
  pointers_.resize(storage_.size());
  for (std::size_t i = 0; i < storage_.size(); ++i) pointers_[i] = nulls_[i] ? nullptr : storage_[i].data();
  return pointers_.data();
}

}  // namespace pgkit
