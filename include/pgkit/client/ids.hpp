#pragma once
/// @file client/ids.hpp
/// The ids Prisma Client 7.10.1 generates itself for `@default(cuid())`, `cuid(2)`, `uuid()`,
/// `uuid(7)`, `nanoid()`/`nanoid(n)` and `ulid()`, byte for byte as the npm packages it bundles
/// make them (docs/design/prisma-client-ids.md): same formats, same alphabets, same layouts,
/// same ordering rules. Each call makes a fresh id from the clock and OpenSSL's CSPRNG.
///
/// Thread-safe: the state Prisma keeps per process (cuid's counters and fingerprints, uuid v7's
/// monotonic clock) is process-wide here, behind atomics or a mutex.
///
/// @code
///   row.id = pgkit::client::ids::cuid();      // "clz9x1s2w0000ix1o3k7fq2vb"
///   row.key = pgkit::client::ids::uuid7();    // "018bcfe5-6800-7123-9159-e2bbccddeeff"
/// @endcode

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace pgkit::client::ids {

/// `@default(cuid())`: cuid v1 (@bugsnag/cuid 3.2.1). 25 characters, `c` then base36 of the ms
/// time, a 4-digit process counter, a 4-character host fingerprint and 8 random digits; the
/// ids of one process sort by creation (until 2059, when the time needs a 9th digit).
std::string cuid();

/// `@default(cuid(2))`: cuid2 (@paralleldrive/cuid2 3.3.0 createId). 24 characters, a letter
/// then 23 base36 digits of a SHA3-512 hash; no visible structure, not time-ordered.
std::string cuid2();

/// `@default(uuid())` = `uuid(4)`: a random RFC 9562 version 4 UUID, lowercase, hyphenated.
std::string uuid4();

/// `@default(uuid(7))`: an RFC 9562 version 7 UUID (uuid 14.0.0 v7): the ms time, then a
/// 32-bit counter. Strictly increasing within the process, even within one ms, from any
/// thread, and when the clock goes back.
std::string uuid7();

/// `@default(nanoid())` / `nanoid(size)`: size characters of nanoid 5.1.16's URL alphabet
/// (`[A-Za-z0-9_-]`, in its own order), one CSPRNG byte each.
/// @throws UsageError when size is outside 2..255 (Prisma's schema accepts only those)
std::string nanoid(int size = 21);

/// `@default(ulid())`: a ULID (ulid 3.0.0 ulid(), not monotonic): 10 Crockford base32
/// characters of the ms time, then 16 random ones; uppercase, 26 characters.
std::string ulid();

/// The algorithms above on given inputs, mirroring the npm packages' injection points
/// (docs/design/prisma-client-ids.md §8). For tests: the public functions are these with
/// the real clock and real randomness. Times are Unix milliseconds.
namespace detail {

/// cuid v1 from its parts: `"c" + base36(ms) + pad4(base36(counter)) + fingerprint +
/// pad4(base36(⌊r1·36⁴⌋)) + pad4(base36(⌊r2·36⁴⌋))`, where pad4 keeps the last 4 digits.
/// r1 and r2 are Math.random() draws, in [0, 1).
std::string cuid1_from(std::int64_t ms, std::uint32_t counter, std::string_view fingerprint, double r1, double r2);

/// cuid v1's 4-character host fingerprint: 2 base36 digits of pid, 2 of the hostname's
/// length + 36 + the sum of its UTF-16 code units (hostname is UTF-8).
std::string cuid1_fingerprint(long pid, std::string_view hostname);

/// cuid2's `init({random, counter, fingerprint, length: 24})()` with `Date.now()` = ms:
/// draws the first letter, then 24 salt digits, from random (each in [0, 1)); counter is
/// the value its counter() returns (below 2^53, as JavaScript numbers are exact).
std::string cuid2_from(std::int64_t ms, const std::function<double()>& random, std::uint64_t counter,
                       std::string_view fingerprint);

/// cuid2's createFingerprint({globalObj, random}): 32 base36 digits hashed from globals (the
/// global object's keys, joined with ",") and 32 digits drawn from random.
std::string cuid2_fingerprint(std::string_view globals, const std::function<double()>& random);

/// uuid's `v4({random: bytes})`: bytes with the version and variant bits set.
std::string uuid4_from(const std::array<std::uint8_t, 16>& bytes);

/// uuid's `v7({msecs: ms, seq, random: bytes})`: 48 bits of ms, version 7, seq over the next
/// 32 bits around the variant, then the low 2 bits of bytes[10] and bytes[11..15].
std::string uuid7_from(std::int64_t ms, std::uint32_t seq, const std::array<std::uint8_t, 16>& bytes);

/// uuid v7's monotonic state (uuid 14.0.0 `updateV7State`). Not thread-safe: uuid7() guards
/// the process's one with a mutex.
class V7State {
 public:
  /// As the uuid module starts: no time yet (msecs = -infinity), seq 0.
  V7State() = default;
  /// Resumed at msecs and seq (to test a counter about to overflow).
  V7State(std::int64_t msecs, std::uint32_t seq) : msecs_(msecs), seq_(seq) {}

  /// The next id at clock time now_ms with fresh bytes: a later ms starts seq at a random
  /// value below 2^31 (from bytes[6..9]); the same ms, or a clock gone back, adds 1 to seq,
  /// and a seq wrapping to 0 moves msecs on by 1. So ids never go backwards.
  std::string next(std::int64_t now_ms, const std::array<std::uint8_t, 16>& random);

  std::int64_t msecs() const { return msecs_; }
  std::uint32_t seq() const { return seq_; }

 private:
  std::int64_t msecs_ = std::numeric_limits<std::int64_t>::min();  // stands for -infinity
  std::uint32_t seq_ = 0;
};

/// ulid's `ulid(ms, prng)` where prng returns bytes[i] / 255 on its i-th call: the first
/// byte becomes the last character, each `ENCODING[min(⌊b/255·32⌋, 31)]` (= b >> 3).
/// ms = 0 encodes 0 (ulid itself reads a seed of 0 as "now").
/// @throws UsageError when ms is outside 0..2^48-1
std::string ulid_from(std::int64_t ms, const std::array<std::uint8_t, 16>& bytes);

/// nanoid(size) over bytes from its pool: character i is `alphabet[bytes[i] & 63]`.
/// @throws UsageError when size is outside 2..255 or bytes holds fewer than size
std::string nanoid_from(int size, std::span<const std::uint8_t> bytes);

}  // namespace detail
}  // namespace pgkit::client::ids
