// pgkit's ids (include/pgkit/client/ids.hpp) against the npm packages Prisma Client 7.10.1
// bundles, run by Node.js (tests/oracle/ids.mjs): a thousand random cases per generator, with
// edge times (0, 2^48-1, out of range), uuid v7 counters about to overflow, clocks stuck and going
// back, several pids and hostnames, all sent to one Node process (its start is the slow part).
// Every answer must be byte for byte what pgkit's detail entry points make of the same inputs.
// No Node.js or no tests/oracle/node_modules is a failure that says how to install them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pgkit/client/ids.hpp"
#include "pgkit/error.hpp"
#include "prisma_oracle.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace {
namespace fs = std::filesystem;
namespace json = boost::json;
namespace ids = pgkit::client::ids;
using Bytes16 = std::array<std::uint8_t, 16>;

constexpr int kCases = 1000;
constexpr std::int64_t kTimeMax = (std::int64_t{1} << 48) - 1;

fs::path oracle_dir() { return pgkit::test::PrismaOracle::script().parent_path(); }

// Node.js as the Prisma oracle finds it: PGKIT_NODE, else the first node on PATH.
fs::path find_node() {
  if (const char* node = std::getenv("PGKIT_NODE"); node && *node) {
    return ::access(node, X_OK) == 0 ? fs::path(node) : fs::path();
  }
  return pgkit::test::find_program("node");
}

// What keeps ids.mjs from running; empty when nothing does.
std::string missing_oracle() {
  if (find_node().empty()) return std::getenv("PGKIT_NODE") ? "PGKIT_NODE names no executable" : "node is not on PATH";
  for (const char* package : {"@bugsnag/cuid", "@paralleldrive/cuid2", "nanoid", "ulid", "uuid"}) {
    if (!fs::exists(oracle_dir() / "node_modules" / package / "package.json")) {
      return (oracle_dir() / "node_modules").string() + " lacks " + package +
             " (npm ci has not run since it was pinned)";
    }
  }
  return "";
}

// One question for ids.mjs, and what pgkit answers to it (given Node's answer, for the parts
// that come from Node's own process: cuid v1's fingerprint).
struct Case {
  json::object request;
  std::function<json::object(const json::object& node_answer)> pgkit;
};

// The random inputs, from one seed a failure message names.
class Inputs {
 public:
  explicit Inputs(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_); }
  // A time in 0..2^48-1: the first cases are the edges.
  std::int64_t time(int i) {
    if (i < 2) return i == 0 ? 0 : kTimeMax;
    return static_cast<std::int64_t>(i % 3 == 0 ? below(4'000'000'000'000) : below(kTimeMax + 1));
  }
  // A Math.random()-like draw: 53 random bits, or 32 as crypto-backed cuid2 draws; 0 and the
  // largest double below 1 sometimes.
  double draw() {
    switch (below(20)) {
      case 0: return 0.0;
      case 1: return std::nextafter(1.0, 0.0);
      case 2: return static_cast<double>(below(std::uint64_t{1} << 32)) / 4294967296.0;
      default: return static_cast<double>(below(std::uint64_t{1} << 53)) / 9007199254740992.0;
    }
  }
  std::vector<double> draws(int n) {
    std::vector<double> out(n);
    for (double& d : out) d = draw();
    return out;
  }
  Bytes16 bytes16() {
    Bytes16 b;
    for (auto& byte : b) byte = static_cast<std::uint8_t>(below(256));
    return b;
  }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    for (auto& byte : b) byte = static_cast<std::uint8_t>(below(256));
    return b;
  }
  std::string text(std::size_t n, std::string_view alphabet) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += alphabet[below(alphabet.size())];
    return s;
  }
  // n characters, some of them beyond ASCII (valid UTF-8, as JSON carries it).
  std::string unicode_text(std::size_t n) {
    static const std::array<std::string_view, 8> symbols = {"a", "z", "0", " ", ",", "é", "日", "😀"};
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += symbols[below(symbols.size())];
    return s;
  }

 private:
  std::mt19937_64 engine_;
};

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string s;
  for (auto b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

json::array to_json(const std::vector<double>& draws) { return json::array(draws.begin(), draws.end()); }

// A function handing out draws in turn, as the JavaScript stubs do.
std::function<double()> replay(std::vector<double> draws, int& used) {
  used = 0;
  return [draws = std::move(draws), &used] { return draws.at(used++); };
}

json::object id(std::string text) { return {{"id", std::move(text)}}; }

void add_cuid_cases(std::vector<Case>& cases, Inputs& in) {
  for (int i = 0; i < kCases; ++i) {  // the package's own counter: i
    std::int64_t ms = in.time(i);
    double r1 = in.draw(), r2 = in.draw();
    cases.push_back({{{"kind", "cuid1"}, {"ms", ms}, {"random", {r1, r2}}}, [=](const json::object& node) {
                       json::object answer = node;  // pid and hostname: Node's own, reported
                       answer["id"] = ids::detail::cuid1_from(ms, i, node.at("fingerprint").as_string(), r1, r2);
                       answer["fingerprint"] =
                           ids::detail::cuid1_fingerprint(static_cast<long>(node.at("pid").to_number<std::int64_t>()),
                                                          node.at("hostname").as_string());
                       return answer;
                     }});
  }
  const std::vector<std::string> hosts = {"vm", "localhost", "", std::string(63, 'z'), "höst😀", "日本.example"};
  for (int i = 0; i < kCases; ++i) {
    long pid = i < 4 ? std::array<long, 4>{1, 35, 36, 4194304}[i] : static_cast<long>(1 + in.below(4194304));
    std::string host =
        i < 24 ? hosts[i % hosts.size()] : in.text(1 + in.below(63), "abcdefghijklmnopqrstuvwxyz0123456789-.ABCXYZ");
    cases.push_back({{{"kind", "cuid1_fingerprint"}, {"pid", pid}, {"hostname", host}}, [=](const json::object&) {
                       return json::object{{"fingerprint", ids::detail::cuid1_fingerprint(pid, host)}};
                     }});
  }
  for (int i = 0; i < kCases; ++i) {
    std::int64_t ms = in.time(i);
    std::vector<double> draws = in.draws(25);
    auto counter = i < 3 ? std::array<std::uint64_t, 3>{0, 476782366, (std::uint64_t{1} << 53) - 1}[i]
                         : in.below(std::uint64_t{1} << (in.below(2) ? 53 : 29));
    std::string fingerprint =
        i % 10 == 9 ? in.unicode_text(in.below(40)) : in.text(32, "0123456789abcdefghijklmnopqrstuvwxyz");
    cases.push_back({{{"kind", "cuid2"},
                      {"ms", ms},
                      {"random", to_json(draws)},
                      {"counter", counter},
                      {"fingerprint", fingerprint}},
                     [=](const json::object&) {
                       int used;
                       std::string made = ids::detail::cuid2_from(ms, replay(draws, used), counter, fingerprint);
                       return json::object{{"id", made}, {"draws", used}};
                     }});
  }
  for (int i = 0; i < kCases; ++i) {
    std::vector<std::string> globals(in.below(6));
    for (std::size_t k = 0; k < globals.size(); ++k) {  // distinct, and no array indexes: keys keep their order
      globals[k] =
          in.text(1, "abcxyz_$") + in.text(in.below(12), "abcdefghijklmnopqrstuvwxyz0123456789") + std::to_string(k);
    }
    std::vector<double> draws = in.draws(32);
    std::string joined;
    for (const auto& name : globals) joined += (joined.empty() ? "" : ",") + name;
    cases.push_back({{{"kind", "cuid2_fingerprint"},
                      {"globals", json::array(globals.begin(), globals.end())},
                      {"random", to_json(draws)}},
                     [=](const json::object&) {
                       int used;
                       std::string made = ids::detail::cuid2_fingerprint(joined, replay(draws, used));
                       return json::object{{"fingerprint", made}, {"draws", used}};
                     }});
  }
}

void add_uuid_cases(std::vector<Case>& cases, Inputs& in) {
  for (int i = 0; i < kCases; ++i) {
    Bytes16 bytes = in.bytes16();
    cases.push_back({{{"kind", "uuid4"}, {"bytes", hex(bytes)}},
                     [=](const json::object&) { return id(ids::detail::uuid4_from(bytes)); }});
  }
  auto seq_near_edges = [&](int i) {
    return static_cast<std::uint32_t>(i % 3 == 0   ? 0xFFFFFFFFu - in.below(16)
                                      : i % 3 == 1 ? in.below(16)
                                                   : in.below(std::uint64_t{1} << 32));
  };
  for (int i = 0; i < kCases; ++i) {
    std::int64_t ms = in.time(i);
    std::uint32_t seq = seq_near_edges(i);
    Bytes16 bytes = in.bytes16();
    cases.push_back({{{"kind", "uuid7"}, {"ms", ms}, {"seq", seq}, {"bytes", hex(bytes)}},
                     [=](const json::object&) { return id(ids::detail::uuid7_from(ms, seq, bytes)); }});
  }
  for (int i = 0; i < kCases; ++i) {  // one step of the state machine from a given state
    std::int64_t msecs = in.time(i), now = msecs + static_cast<std::int64_t>(in.below(5)) - 2;
    std::uint32_t seq = seq_near_edges(i);
    Bytes16 bytes = in.bytes16();
    cases.push_back({{{"kind", "uuid7_update"}, {"msecs", msecs}, {"seq", seq}, {"now", now}, {"bytes", hex(bytes)}},
                     [=](const json::object&) {
                       ids::detail::V7State state(msecs, seq);
                       std::string made = state.next(now, bytes);
                       return json::object{{"id", made}, {"msecs", state.msecs()}, {"seq", state.seq()}};
                     }});
  }
  // v7() itself, its state carried from call to call: a clock that stays, steps on, goes back
  // and jumps. One V7State here follows the same calls in the same order.
  auto state = std::make_shared<ids::detail::V7State>();
  std::int64_t clock = 1'700'000'000'000;
  for (int i = 0; i < kCases; ++i) {
    std::uint64_t move = in.below(10);
    clock += move < 5   ? 0
             : move < 7 ? static_cast<std::int64_t>(in.below(3))
             : move < 9 ? -static_cast<std::int64_t>(in.below(10))
                        : 100'000;
    Bytes16 bytes = in.bytes16();
    cases.push_back({{{"kind", "uuid7_live"}, {"now", clock}, {"bytes", hex(bytes)}},
                     [state, bytes, now = clock](const json::object&) { return id(state->next(now, bytes)); }});
  }
}

void add_nanoid_ulid_cases(std::vector<Case>& cases, Inputs& in) {
  for (int i = 0; i < kCases; ++i) {
    std::int64_t ms =
        i < 4 ? std::array<std::int64_t, 4>{-1, kTimeMax + 1, 1, (std::int64_t{1} << 53) - 1}[i] : in.time(i - 4);
    Bytes16 bytes = in.bytes16();
    if (i == 4) bytes.fill(0xff);
    cases.push_back({{{"kind", "ulid"}, {"ms", ms}, {"bytes", hex(bytes)}}, [=](const json::object&) {
                       try {
                         return id(ids::detail::ulid_from(ms, bytes));
                       } catch (const pgkit::UsageError&) {  // the package's error codes for the same refusals
                         return json::object{{"error", ms < 0 ? "ENC_TIME_NEG" : "ENC_TIME_SIZE_EXCEED"}};
                       }
                     }});
  }
  for (int i = 0; i < kCases; ++i) {
    int size = i < 3 ? std::array<int, 3>{2, 21, 255}[i] : static_cast<int>(2 + in.below(254));
    std::vector<std::uint8_t> bytes = in.bytes(size);
    cases.push_back({{{"kind", "nanoid"}, {"size", size}, {"bytes", hex(bytes)}},
                     [=](const json::object&) { return id(ids::detail::nanoid_from(size, bytes)); }});
  }
  // One pool over several refills: with a fixed size it takes the byte stream in order.
  for (auto [size, count] : {std::pair{21, 400}, std::pair{255, 140}, std::pair{7, 300}}) {
    std::vector<std::uint8_t> stream = in.bytes(static_cast<std::size_t>(size) * count);
    cases.push_back({{{"kind", "nanoid_stream"}, {"size", size}, {"count", count}, {"bytes", hex(stream)}},
                     [=](const json::object&) {
                       json::array made;
                       for (int k = 0; k < count; ++k)
                         made.emplace_back(ids::detail::nanoid_from(size, std::span(stream).subspan(k * size, size)));
                       return json::object{{"ids", made}};
                     }});
  }
}

// Where two answers first part: the field, and the element of a list ("ids[17]").
std::string first_difference(const json::object& npm, const json::object& pgkit) {
  json::object keys = npm;
  for (const auto& [key, value] : pgkit) keys[key] = value;
  for (const auto& [key, unused] : keys) {
    const json::value* a = npm.if_contains(key);
    const json::value* b = pgkit.if_contains(key);
    if (a && b && *a == *b) continue;
    std::string where(key);
    if (a && b && a->is_array() && b->is_array()) {
      const json::array &x = a->as_array(), &y = b->as_array();
      std::size_t k = 0;
      while (k < x.size() && k < y.size() && x[k] == y[k]) ++k;
      where += "[" + std::to_string(k) + "]";
      a = k < x.size() ? &x[k] : nullptr;
      b = k < y.size() ? &y[k] : nullptr;
    }
    return where + ": npm " + (a ? json::serialize(*a) : "(none)") + ", pgkit " + (b ? json::serialize(*b) : "(none)");
  }
  return "";
}

}  // namespace

TEST(ClientIdsOracle, EveryGeneratorMatchesPrismasPackagesOnAThousandRandomCases) {
  if (std::string missing = missing_oracle(); !missing.empty()) {
    FAIL() << "the id oracle (tests/oracle/ids.mjs) cannot run: " << missing
           << ". scripts/test installs it (install_oracle in scripts/lib/setup.sh); by hand: apt-get install "
              "nodejs npm if node is missing, then `npm ci` in "
           << oracle_dir().string() << ".";
  }
  const char* fixed_seed = std::getenv("PGKIT_IDS_SEED");
  const std::uint64_t seed = fixed_seed ? std::stoull(fixed_seed) : std::random_device{}();
  SCOPED_TRACE("random seed " + std::to_string(seed) + " (PGKIT_IDS_SEED=" + std::to_string(seed) + " repeats it)");
  Inputs in(seed);
  std::vector<Case> cases;
  add_cuid_cases(cases, in);
  add_uuid_cases(cases, in);
  add_nanoid_ulid_cases(cases, in);

  pgkit::test::TempDir dir("pgkit-ids");
  std::string requests;
  for (const auto& c : cases) requests += json::serialize(c.request) + "\n";
  fs::path file = dir.write("requests.jsonl", requests);
  pgkit::test::ProcessResult node =
      pgkit::test::run_process({find_node().string(), (oracle_dir() / "ids.mjs").string(), file.string()});
  ASSERT_EQ(node.exit_code, 0) << node.describe();

  std::istringstream answers(node.out);
  std::map<std::string, int> mismatches;
  std::size_t i = 0;
  for (std::string line; std::getline(answers, line) && i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string kind(c.request.at("kind").as_string());
    json::object theirs = json::parse(line).as_object();
    json::object ours;
    try {
      ours = c.pgkit(theirs);
    } catch (const std::exception& e) {
      ours = {{"pgkit threw", e.what()}};
    }
    if (ours == theirs) continue;
    if (mismatches[kind]++ == 0) {
      ADD_FAILURE() << "the first " << kind << " case that differs (request " << i + 1
                    << "): " << first_difference(theirs, ours)
                    << "\n  request: " << json::serialize(c.request).substr(0, 600);
    }
  }
  EXPECT_EQ(i, cases.size()) << "ids.mjs answered " << i << " of " << cases.size() << " requests\n" << node.describe();
  for (const auto& [kind, count] : mismatches) ADD_FAILURE() << count << " " << kind << " cases differ";
}
