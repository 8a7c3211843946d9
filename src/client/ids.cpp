// The generators as they run: the clock, OpenSSL's CSPRNG and the process-wide state Prisma's
// packages keep per process, fed to the formats of ids_formats.cpp.
#include "pgkit/client/ids.hpp"

#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>

#include "pgkit/error.hpp"

namespace pgkit::client::ids {
namespace {

// Date.now(): Unix time in ms.
std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void fill_random(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw Error({.message = "OpenSSL's random generator failed while making an id",
                 .hint = "check the OpenSSL installation and that the system has entropy (/dev/urandom)"});
  }
}

std::array<std::uint8_t, 16> random16() {
  std::array<std::uint8_t, 16> bytes;
  fill_random(bytes);
  return bytes;
}

// n draws of cuid2's random(), crypto.getRandomValues(new Uint32Array(1))[0] / 2^32, in [0, 1),
// from one call to OpenSSL (a call costs more than a cuid2's hashing).
template <std::size_t N>
std::array<double, N> random_units() {
  std::array<std::uint32_t, N> numbers;
  fill_random({reinterpret_cast<std::uint8_t*>(numbers.data()), sizeof numbers});
  std::array<double, N> units;
  for (std::size_t i = 0; i < N; ++i) units[i] = numbers[i] / 4294967296.0;
  return units;
}

double random_unit() { return random_units<1>()[0]; }

// os.hostname(), and @bugsnag/cuid's fallback when it fails.
std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) return name;
  for (const char* variable : {"_CLUSTER_NETWORK_NAME_", "COMPUTERNAME"}) {
    if (const char* value = std::getenv(variable); value && *value) return value;
  }
  return "hostname";
}

}  // namespace

std::string cuid() {
  static const std::string fingerprint = detail::cuid1_fingerprint(::getpid(), hostname());
  // safeCounter(): 0, 1, …, 36^4 - 1, then 0 again; the first id of a process has 0000.
  static std::atomic<std::uint64_t> calls{0};
  auto counter = static_cast<std::uint32_t>(calls.fetch_add(1, std::memory_order_relaxed) % (36 * 36 * 36 * 36));
  // @bugsnag/cuid's randomBlock uses Math.random, no CSPRNG; OpenSSL's is as good and at hand.
  auto [r1, r2] = random_units<2>();
  return detail::cuid1_from(now_ms(), counter, fingerprint, r1, r2);
}

std::string cuid2() {
  // createId()'s lazy init: the counter starts at a random value below 476782367, then the
  // fingerprint hashes the host (where JavaScript hashes its global names) and 32 random digits.
  static std::atomic<std::uint64_t> counter{static_cast<std::uint64_t>(random_unit() * 476782367)};
  static const std::string fingerprint =
      detail::cuid2_fingerprint("pgkit,cuid2," + hostname() + "," + std::to_string(::getpid()), random_unit);
  std::array<double, 25> draws = random_units<25>();  // the first letter, then the 24 salt digits
  std::size_t next = 0;
  return detail::cuid2_from(
      now_ms(), [&] { return draws.at(next++); }, counter.fetch_add(1, std::memory_order_relaxed), fingerprint);
}

std::string uuid4() { return detail::uuid4_from(random16()); }

std::string uuid7() {
  std::array<std::uint8_t, 16> random = random16();
  static std::mutex mutex;
  static detail::V7State state;  // guarded by mutex: one monotonic clock for the process
  std::lock_guard lock(mutex);
  return state.next(now_ms(), random);
}

std::string nanoid(int size) {
  std::array<std::uint8_t, 255> bytes;
  std::span<std::uint8_t> used = std::span(bytes).first(std::clamp(size, 0, 255));
  fill_random(used);
  return detail::nanoid_from(size, used);  // throws UsageError for a size outside 2..255
}

std::string ulid() { return detail::ulid_from(now_ms(), random16()); }

}  // namespace pgkit::client::ids
