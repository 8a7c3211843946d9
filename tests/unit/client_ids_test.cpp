// The ids Prisma Client fills in for @default(cuid()), cuid(2), uuid(), uuid(7), nanoid() and
// ulid() (src/client/ids*.cpp): the known answers of docs/design/prisma-client-ids.md through the
// injection points, then the properties of §§1–7 through the public functions, which run the same
// code on the clock and OpenSSL's randomness. tests/integration/client_ids_pgtest.cpp compares
// with the npm packages themselves.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "pgkit/client/ids.hpp"
#include "pgkit/error.hpp"

using namespace pgkit::client;
using Bytes16 = std::array<std::uint8_t, 16>;

namespace {

constexpr int kMany = 100'000;

// 0x00, 0x11, …, 0xff: the research's byte pattern for the uuid known answers.
constexpr Bytes16 kSteps = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                            0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

template <class Generate>
std::vector<std::string> many(Generate generate, int n = kMany) {
  std::vector<std::string> made;
  made.reserve(n);
  for (int i = 0; i < n; ++i) made.push_back(generate());
  return made;
}

void expect_all_match(const std::vector<std::string>& list, const char* pattern) {
  const std::regex re(pattern);
  for (const auto& id : list) ASSERT_TRUE(std::regex_match(id, re)) << id << " does not match " << pattern;
}

void expect_unique(const std::vector<std::string>& list) {
  EXPECT_EQ(std::set<std::string>(list.begin(), list.end()).size(), list.size());
}

// kMany ids from generate: each matches pattern, none repeats.
template <class Generate>
std::vector<std::string> many_distinct(Generate generate, const char* pattern) {
  std::vector<std::string> made = many(generate);
  expect_all_match(made, pattern);
  expect_unique(made);
  return made;
}

// How often each symbol of alphabet stands in the ids from position from on.
std::vector<long> symbol_counts(const std::vector<std::string>& list, std::string_view alphabet, std::size_t from) {
  std::vector<long> counts(alphabet.size());
  for (const auto& id : list)
    for (char c : id.substr(from)) ++counts.at(alphabet.find(c));
  return counts;
}

void expect_strictly_increasing(const std::vector<std::string>& list) {
  for (std::size_t i = 1; i < list.size(); ++i) ASSERT_LT(list[i - 1], list[i]) << "at " << i;
}

std::int64_t digits_value(std::string_view text, std::string_view alphabet) {
  std::int64_t n = 0;
  for (char c : text) n = n * static_cast<std::int64_t>(alphabet.size()) + alphabet.find(c);
  return n;
}
constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
std::int64_t uuid7_ms(const std::string& id) { return std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16); }

// The time an id carries lies between clock readings taken before and after making it.
template <class Generate, class TimeOf>
void expect_time_of_now(Generate generate, TimeOf time_of) {
  std::int64_t before = now_ms();
  std::string id = generate();
  std::int64_t after = now_ms();
  EXPECT_GE(time_of(id), before) << id;
  EXPECT_LE(time_of(id), after) << id;
}

// Pearson's χ² statistic of counts against a uniform spread, and a bound it passes by chance
// with probability below 1e-8 (mean + 9 standard deviations of χ² with bins - 1 degrees).
void expect_uniform(const std::vector<long>& counts) {
  double total = 0, chi2 = 0;
  for (long c : counts) total += c;
  double expected = total / counts.size();
  for (long c : counts) chi2 += (c - expected) * (c - expected) / expected;
  double df = counts.size() - 1.0;
  EXPECT_LT(chi2, df + 9 * std::sqrt(2 * df)) << "over " << counts.size() << " symbols";
}

std::string hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// Bytes for the state machine's tests, the same on every run.
Bytes16 random_bytes() {
  static std::mt19937 engine(20240101);
  Bytes16 b;
  for (auto& byte : b) byte = static_cast<std::uint8_t>(engine());
  return b;
}

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

}  // namespace

TEST(ClientIdsKnownAnswers, Cuid1IsBugsnagCuidsWithMathRandomStubbedToOneHalf) {
  // Node 20, pid 18426, hostname "vm", Math.random = () => 0.5, first id of the process.
  EXPECT_EQ(ids::detail::cuid1_fingerprint(18426, "vm"), "7u7d");
  EXPECT_EQ(ids::detail::cuid1_from(1796544144762, 0, "7u7d", 0.5, 0.5), "cmxbjzxx600007u7di000i000");
  // Node with process.pid = 12345 and os.hostname() = "höst😀": UTF-16 code units are summed.
  EXPECT_EQ(ids::detail::cuid1_fingerprint(12345, "höst😀"), "ix1o");
}

TEST(ClientIdsKnownAnswers, Cuid2IsInitWithInjectedRandomCounterAndFingerprint) {
  const std::vector<double> cycle = {0.1, 0.9, 0.25, 0.5, 0.75, 0.3333, 0.0, 0.999};
  std::size_t next = 0;
  std::function<double()> random = [&] { return cycle[next++ % cycle.size()]; };
  const std::string fingerprint = "fingerprintfingerprintfingerpri";
  EXPECT_EQ(ids::detail::cuid2_from(1700000000000, random, 12345, fingerprint), "c1i7fgpjvcf5ycpufcnu06j2");
  EXPECT_EQ(next, 25u) << "one draw for the letter, 24 for the salt";
  EXPECT_EQ(ids::detail::cuid2_from(1700000000000, random, 12345, fingerprint), "xzrtaskjzff30mrt5sagjmqf");
}

TEST(ClientIdsKnownAnswers, UuidsAreTheUuidPackagesForTheSameBytes) {
  EXPECT_EQ(ids::detail::uuid4_from(kSteps), "00112233-4455-4677-8899-aabbccddeeff");
  EXPECT_EQ(ids::detail::uuid7_from(1700000000000, 0x12345678, kSteps), "018bcfe5-6800-7123-9159-e2bbccddeeff");
  // v7({msecs, random}) without seq derives one as ((r[6] * 0x7f) << 24 | …) in int32.
  auto seq = static_cast<std::uint32_t>((0x66 * 0x7f) << 24 | 0x77 << 16 | 0x88 << 8 | 0x99);
  EXPECT_EQ(ids::detail::uuid7_from(1700000000000, seq, kSteps), "018bcfe5-6800-79a7-9e22-66bbccddeeff");
}

TEST(ClientIdsKnownAnswers, NanoidMapsTheByteStreamThroughItsAlphabetInOrder) {
  std::vector<std::uint8_t> stream(64);
  for (int i = 0; i < 64; ++i) stream[i] = static_cast<std::uint8_t>(i);
  std::span<const std::uint8_t> s(stream);
  EXPECT_EQ(ids::detail::nanoid_from(21, s.subspan(0, 21)), "useandom-26T198340PX7");
  EXPECT_EQ(ids::detail::nanoid_from(21, s.subspan(21, 21)), "5pxJACKVERYMINDBUSHWO");
  EXPECT_EQ(ids::detail::nanoid_from(8, s.subspan(42, 8)), "LF_GQZbf");
}

TEST(ClientIdsKnownAnswers, UlidPutsTheFirstDrawLast) {
  Bytes16 bytes;
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(15 + 16 * i);  // 15, 31, …, 255
  EXPECT_EQ(ids::detail::ulid_from(1700000000000, bytes), "01HF7YAT00ZXVSQNKHFDB97531");
}

TEST(ClientIdsCuid, Cuid1IsCAndTwentyFourBase36DigitsCarryingTheTime) {
  expect_all_match(many(ids::cuid, 1000), "c[0-9a-z]{24}");
  expect_time_of_now(ids::cuid, [](const std::string& id) { return digits_value(id.substr(1, 8), kBase36); });
}

TEST(ClientIdsCuid, Cuid1CountsUpByOneWithThisHostsFingerprint) {
  const std::string fingerprint = ids::detail::cuid1_fingerprint(::getpid(), hostname());
  std::vector<std::string> made = many(ids::cuid);
  for (std::size_t i = 0; i < made.size(); ++i) {
    ASSERT_EQ(made[i].substr(13, 4), fingerprint) << made[i];
    if (i == 0) continue;
    std::int64_t step = digits_value(made[i].substr(9, 4), kBase36) - digits_value(made[i - 1].substr(9, 4), kBase36);
    ASSERT_TRUE(step == 1 || step == 1 - 36 * 36 * 36 * 36) << made[i - 1] << " then " << made[i];
  }
  expect_strictly_increasing(made);
  expect_unique(made);
}

TEST(ClientIdsCuid, Cuid1PadsAndTruncatesItsBlocksToFixedWidths) {
  EXPECT_EQ(ids::detail::cuid1_from(0, 1679615, "abcd", 0.0, 0.999999), "c0zzzzabcd0000zzzy");
  EXPECT_EQ(ids::detail::cuid1_from(35, 36, "abcd", 0.0001, 0.5), "cz0010abcd004ni000");
  EXPECT_EQ(ids::detail::cuid1_fingerprint(36 * 36 * 5 + 1, ""), "0110") << "pid 501 (base36) keeps its last 2 digits";
  EXPECT_THROW(ids::detail::cuid1_from(0, 0, "abcd", 1.0, 0.5), pgkit::UsageError);
}

TEST(ClientIdsCuid, Cuid2IsALetterThenTwentyThreeDigitsAndNeverRepeats) {
  std::vector<std::string> made = many_distinct(ids::cuid2, "[a-z][0-9a-z]{23}");
  std::vector<long> letters(26);
  for (const auto& id : made) ++letters[id[0] - 'a'];
  expect_uniform(letters);
  expect_uniform(symbol_counts(made, kBase36, 1));
}

TEST(ClientIdsCuid, Cuid2FingerprintIsThirtyTwoDigitsFromThirtyTwoDraws) {
  int draws = 0;
  std::string fingerprint = ids::detail::cuid2_fingerprint("a,b,c", [&] { return (draws++ % 36) / 36.0; });
  EXPECT_EQ(draws, 32);
  EXPECT_TRUE(std::regex_match(fingerprint, std::regex("[0-9a-z]{32}"))) << fingerprint;
  auto always_one = [] { return 1.0; };
  EXPECT_THROW(ids::detail::cuid2_from(0, always_one, 0, "x"), pgkit::UsageError);
}

TEST(ClientIdsUuid, Uuid4HasVersion4TheRfcVariantAndFairRandomBits) {
  std::vector<std::string> made =
      many_distinct(ids::uuid4, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::vector<long> ones(128);
  for (const auto& id : made) {
    int bit = 0;
    for (char c : id) {
      if (c == '-') continue;
      for (int k = 3; k >= 0; --k) ones[bit++] += (hex_value(c) >> k) & 1;
    }
  }
  for (int bit = 0; bit < 128; ++bit) {
    if ((bit >= 48 && bit < 52) || bit == 64 || bit == 65) continue;                 // version and variant
    EXPECT_NEAR(ones[bit], kMany / 2, 6 * std::sqrt(kMany / 4.0)) << "bit " << bit;  // 6 σ
  }
}

TEST(ClientIdsUuid, Uuid7CarriesTheTimeAndIncreasesStrictly) {
  expect_time_of_now(ids::uuid7, uuid7_ms);
  std::vector<std::string> made = many(ids::uuid7);
  expect_all_match(made, "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  expect_strictly_increasing(made);
}

TEST(ClientIdsUuid, V7StateStillIncreasesWithAStuckClockOrOneGoingBack) {
  ids::detail::V7State stuck;
  expect_strictly_increasing(many([&] { return stuck.next(1700000000000, random_bytes()); }));
  EXPECT_EQ(stuck.msecs(), 1700000000000);

  ids::detail::V7State back;
  std::int64_t clock = 1700000000000;
  std::vector<std::string> made = many([&] { return back.next(clock -= 7, random_bytes()); }, 10'000);
  expect_strictly_increasing(made);
  EXPECT_EQ(uuid7_ms(made.back()), 1700000000000 - 7) << "the timestamp never goes back with the clock";
}

TEST(ClientIdsUuid, V7StateSeedsSeqFromTheBytesOnANewMillisecondAndCarriesOverflow) {
  ids::detail::V7State state;
  state.next(1000, kSteps);
  EXPECT_EQ(state.seq(), (0x66u << 23 | 0x77u << 16 | 0x88u << 8 | 0x99u));
  ids::detail::V7State full(1000, 0xFFFFFFFE);
  std::string last = full.next(1000, kSteps);
  EXPECT_EQ(full.seq(), 0xFFFFFFFFu);
  std::string wrapped = full.next(999, kSteps);
  EXPECT_EQ(full.msecs(), 1001);
  EXPECT_EQ(full.seq(), 0u);
  EXPECT_EQ(uuid7_ms(wrapped), 1001);
  EXPECT_LT(last, wrapped);
  EXPECT_EQ(last, "00000000-03e8-7fff-bfff-febbccddeeff");
}

TEST(ClientIdsNanoid, EverySizeFromTwoToTwoFiftyFiveUsesTheUrlAlphabet) {
  for (int size = 2; size <= 255; ++size) {
    std::string id = ids::nanoid(size);
    ASSERT_EQ(id.size(), static_cast<std::size_t>(size));
    ASSERT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9_-]+"))) << id;
  }
  std::vector<std::string> made = many_distinct([] { return ids::nanoid(); }, "[A-Za-z0-9_-]{21}");
  expect_uniform(symbol_counts(made, "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict", 0));
}

TEST(ClientIdsNanoid, SizesOutsideTwoToTwoFiftyFiveAreRefused) {
  for (int size : {-1, 0, 1, 256}) {
    try {
      ids::nanoid(size);
      ADD_FAILURE() << "nanoid(" << size << ") was accepted";
    } catch (const pgkit::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("size must be 2..255; got " + std::to_string(size)), std::string::npos)
          << e.what();
    }
  }
  std::array<std::uint8_t, 4> few{};
  EXPECT_THROW(ids::detail::nanoid_from(5, few), pgkit::UsageError);
}

TEST(ClientIdsUlid, UlidIsUppercaseCrockfordWithTheTimeFirst) {
  expect_time_of_now(ids::ulid, [](const std::string& id) { return digits_value(id.substr(0, 10), kCrockford); });
  std::vector<std::string> made = many_distinct(ids::ulid, "[0-7][0-9A-HJKMNP-TV-Z]{25}");
  expect_uniform(symbol_counts(made, kCrockford, 10));
  EXPECT_LT(ids::detail::ulid_from(1700000000000, {0xff}), ids::detail::ulid_from(1700000000001, {}));
}

TEST(ClientIdsUlid, EachByteBecomesItsTopFiveBitsAndTheTimeFitsFortyEightBits) {
  for (int b = 0; b < 256; ++b) {
    Bytes16 bytes;
    bytes.fill(static_cast<std::uint8_t>(b));
    ASSERT_EQ(ids::detail::ulid_from(0, bytes), "0000000000" + std::string(16, kCrockford[b >> 3])) << b;
  }
  EXPECT_EQ(ids::detail::ulid_from(1, {}).substr(0, 10), "0000000001");
  EXPECT_EQ(ids::detail::ulid_from((std::int64_t{1} << 48) - 1, {}).substr(0, 10), "7ZZZZZZZZZ");
  EXPECT_THROW(ids::detail::ulid_from(std::int64_t{1} << 48, {}), pgkit::UsageError);
  EXPECT_THROW(ids::detail::ulid_from(-1, {}), pgkit::UsageError);
}

TEST(ClientIdsThreads, EightThreadsAtOnceGetUniqueIdsAndEachSeesUuid7Increase) {
  constexpr int kThreads = 8, kEach = 5'000;
  std::vector<std::array<std::vector<std::string>, 6>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kEach; ++i) {
        made[t][0].push_back(ids::cuid());
        made[t][1].push_back(ids::cuid2());
        made[t][2].push_back(ids::uuid4());
        made[t][3].push_back(ids::uuid7());
        made[t][4].push_back(ids::nanoid());
        made[t][5].push_back(ids::ulid());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int kind = 0; kind < 6; ++kind) {
    std::vector<std::string> all;
    for (const auto& per_thread : made) all.insert(all.end(), per_thread[kind].begin(), per_thread[kind].end());
    SCOPED_TRACE("generator " + std::to_string(kind));
    expect_unique(all);
  }
  for (const auto& per_thread : made) expect_strictly_increasing(per_thread[3]);
}
