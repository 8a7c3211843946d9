// The id formats from given inputs (pgkit::client::ids::detail): each function mirrors the
// npm package's code, named in docs/design/prisma-client-ids.md, down to its float arithmetic.
// ids.cpp feeds them the clock and OpenSSL's randomness.
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "pgkit/client/ids.hpp"
#include "pgkit/error.hpp"
#include "pgkit/types.hpp"

namespace pgkit::client::ids::detail {
namespace {

constexpr std::string_view kDigits36 = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr int kCuidBlock = 36 * 36 * 36 * 36;  // cuid v1's discreteValues, 36^4

// JavaScript's Number.prototype.toString(36) of an integer.
std::string base36(std::int64_t n) {
  std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  std::string s;
  do {
    s.insert(s.begin(), kDigits36[magnitude % 36]);
    magnitude /= 36;
  } while (magnitude != 0);
  return n < 0 ? "-" + s : s;
}

// @bugsnag/cuid's pad(): the last size characters of "000000000" + s (it pads and truncates).
std::string pad(const std::string& s, std::size_t size) {
  std::string padded = "000000000" + s;
  return padded.substr(padded.size() - size);
}

// ⌊r · n⌋ for a draw r in [0, 1): how both cuids turn Math.random()-like draws into symbols
// (for r ≥ 0 the same as cuid v1's `<< 0` truncation).
int scale_draw(double r, int n) {
  if (!(r >= 0 && r < 1)) {
    throw UsageError({.message = fmt::format("a random draw for a cuid was {}, not a number in [0, 1)", r),
                      .hint = "pass draws uniform in [0, 1), as Math.random() returns"});
  }
  return static_cast<int>(std::floor(r * n));
}

int draw_below(const std::function<double()>& random, int n) { return scale_draw(random(), n); }

// cuid2's createEntropy(length, random): one base36 digit per draw.
std::string entropy(std::size_t length, const std::function<double()>& random) {
  std::string s;
  while (s.size() < length) s += kDigits36[draw_below(random, 36)];
  return s;
}

// cuid2's hash(): SHA3-512 (FIPS 202) of the UTF-8 input, read as one big-endian number,
// written in base36 without its first (most significant, so biased) digit.
std::string cuid2_hash(std::string_view input) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha3_512(), nullptr) != 1) {
    throw Error({.message = "SHA3-512 for a cuid2 failed (OpenSSL's EVP_Digest)",
                 .hint = "check that the OpenSSL in use is 1.1.1 or later"});
  }
  // The digest as 16 big-endian 32-bit limbs, divided by 36 until nothing is left.
  std::array<std::uint32_t, 16> limbs{};
  for (std::size_t i = 0; i < length / 4 && i < limbs.size(); ++i) {
    limbs[i] = std::uint32_t{digest[4 * i]} << 24 | std::uint32_t{digest[4 * i + 1]} << 16 |
               std::uint32_t{digest[4 * i + 2]} << 8 | digest[4 * i + 3];
  }
  std::string digits;
  while (std::any_of(limbs.begin(), limbs.end(), [](std::uint32_t limb) { return limb != 0; })) {
    std::uint64_t remainder = 0;
    for (std::uint32_t& limb : limbs) {
      std::uint64_t value = remainder << 32 | limb;
      limb = static_cast<std::uint32_t>(value / 36);
      remainder = value % 36;
    }
    digits += kDigits36[remainder];
  }
  std::reverse(digits.begin(), digits.end());
  return digits.empty() ? std::string() : digits.substr(1);  // a zero digest is "0", minus one digit
}

// The UTF-16 code units of UTF-8 text, as JavaScript strings hold it. Each malformed byte is a
// U+FFFD (Node makes one of a truncated sequence; hostnames are ASCII in practice).
std::u16string utf16(std::string_view utf8) {
  std::u16string out;
  for (std::size_t i = 0; i < utf8.size();) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(utf8[k]); };
    unsigned char lead = byte(i);
    int extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xe ? 2 : (lead >> 3) == 0x1e ? 3 : -1;
    char32_t cp = extra == 0 ? lead : extra == 1 ? lead & 0x1f : extra == 2 ? lead & 0x0f : lead & 0x07;
    bool ok = extra >= 0 && i + extra < utf8.size();
    for (int k = 1; ok && k <= extra; ++k) {
      ok = (byte(i + k) & 0xc0) == 0x80;
      cp = cp << 6 | (byte(i + k) & 0x3f);
    }
    constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[extra] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    if (!ok) {
      out += u'\ufffd';
      i += 1;
      continue;
    }
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xd800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      out += static_cast<char16_t>(cp);
    }
    i += extra + 1;
  }
  return out;
}

}  // namespace

std::string cuid1_from(std::int64_t ms, std::uint32_t counter, std::string_view fingerprint, double r1, double r2) {
  // randomBlock(): pad((Math.random() * discreteValues << 0).toString(36), 4).
  auto block = [](double r) { return pad(base36(scale_draw(r, kCuidBlock)), 4); };
  return "c" + base36(ms) + pad(base36(counter), 4) + std::string(fingerprint) + block(r1) + block(r2);
}

std::string cuid1_fingerprint(long pid, std::string_view hostname) {
  std::u16string units = utf16(hostname);
  std::int64_t sum = static_cast<std::int64_t>(units.size()) + 36;
  for (char16_t unit : units) sum += unit;
  return pad(base36(pid), 2) + pad(base36(sum), 2);
}

std::string cuid2_from(std::int64_t ms, const std::function<double()>& random, std::uint64_t counter,
                       std::string_view fingerprint) {
  constexpr std::size_t kLength = 24;
  std::string id(1, static_cast<char>('a' + draw_below(random, 26)));  // drawn before the salt
  std::string input = base36(ms) + entropy(kLength, random) + base36(static_cast<std::int64_t>(counter));
  std::string hashed = cuid2_hash(input.append(fingerprint));
  if (hashed.size() > 1) id += hashed.substr(1, kLength - 1);  // JavaScript's substring(1, 24)
  return id;
}

std::string cuid2_fingerprint(std::string_view globals, const std::function<double()>& random) {
  return cuid2_hash(std::string(globals) + entropy(32, random)).substr(0, 32);
}

std::string uuid4_from(const std::array<std::uint8_t, 16>& bytes) {
  std::array<std::uint8_t, 16> b = bytes;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  return Uuid{.bytes = b}.str();
}

std::string uuid7_from(std::int64_t ms, std::uint32_t seq, const std::array<std::uint8_t, 16>& bytes) {
  std::array<std::uint8_t, 16> b{};
  // (msecs / 2^k) & 0xff: JavaScript truncates the quotient toward zero, as integer division does.
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>((ms / (std::int64_t{1} << (40 - 8 * i))) & 0xff);
  b[6] = static_cast<std::uint8_t>(0x70 | ((seq >> 28) & 0x0f));
  b[7] = static_cast<std::uint8_t>((seq >> 20) & 0xff);
  b[8] = static_cast<std::uint8_t>(0x80 | ((seq >> 14) & 0x3f));
  b[9] = static_cast<std::uint8_t>((seq >> 6) & 0xff);
  b[10] = static_cast<std::uint8_t>(((seq << 2) & 0xff) | (bytes[10] & 0x03));
  std::copy(bytes.begin() + 11, bytes.end(), b.begin() + 11);
  return Uuid{.bytes = b}.str();
}

std::string V7State::next(std::int64_t now_ms, const std::array<std::uint8_t, 16>& random) {
  if (now_ms > msecs_) {
    // Below 2^31; bit 23 is shared by random[6] and random[7], as in the uuid package.
    seq_ = std::uint32_t{random[6]} << 23 | std::uint32_t{random[7]} << 16 | std::uint32_t{random[8]} << 8 |
           std::uint32_t{random[9]};
    msecs_ = now_ms;
  } else if (++seq_ == 0) {
    ++msecs_;  // 2^32 ids in one ms: borrow the next ms rather than go backwards
  }
  return uuid7_from(msecs_, seq_, random);
}

std::string ulid_from(std::int64_t ms, const std::array<std::uint8_t, 16>& bytes) {
  constexpr std::int64_t kTimeMax = (std::int64_t{1} << 48) - 1;
  if (ms < 0 || ms > kTimeMax) {
    throw UsageError({.message = fmt::format("a ULID's time must be 0..{} ms since 1970; got {}", kTimeMax, ms),
                      .hint = "pass a Unix time in milliseconds within 48 bits (before the year 10889)"});
  }
  constexpr std::string_view encoding = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford's base32
  std::string id(26, '0');
  for (int i = 9; i >= 0; --i, ms /= 32) id[i] = encoding[ms % 32];
  for (int i = 0; i < 16; ++i) {
    // randomChar(() => b / 0xff): ⌊b / 255 · 32⌋, clamped to 31 for b = 255; the same as b >> 3.
    int symbol = std::min(static_cast<int>(std::floor(bytes[i] / 255.0 * 32)), 31);
    id[25 - i] = encoding[symbol];  // encodeRandom prepends: the first draw is the last character
  }
  return id;
}

std::string nanoid_from(int size, std::span<const std::uint8_t> bytes) {
  if (size < 2 || size > 255) {
    throw UsageError({.message = fmt::format("a nanoid's size must be 2..255; got {}", size),
                      .hint = "use the n of @default(nanoid(n)), which Prisma's schema limits to 2..255"});
  }
  if (bytes.size() < static_cast<std::size_t>(size)) {
    throw UsageError(
        {.message = fmt::format("nanoid_from needs {} bytes for a size {} id; got {}", size, size, bytes.size())});
  }
  constexpr std::string_view alphabet = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
  std::string id;
  for (int i = 0; i < size; ++i) id += alphabet[bytes[i] & 63];
  return id;
}

}  // namespace pgkit::client::ids::detail
