// pgkit_studio_bench: pgkit studio against Prisma Studio 7, both in Debian's chromium (headless,
// playwright-core), on one throwaway PostgreSQL with the same data (issue 14).
//
//   pgkit_studio_bench [--rounds 3] [--rows 1000000] [--parents 10000] [--pgkit PATH]
//                      [--prisma-dir DIR] [--driver-dir DIR]
//
// Method (docs/performance.md has the figures):
//   - one server (LocalCluster in a fresh /tmp directory, fsync off): authors (10,000 rows) and
//     books (1,000,000 rows, a foreign key to authors, indexed; title 'Book <id>' not indexed),
//     vacuumed and analysed;
//   - `pgkit studio --port N --no-open` (beside this program) and `prisma studio --url …
//     --browser none --port M` (Prisma 7.10.1 from bench/peers/prisma-client, offline with
//     PRISMA_SCHEMA_ENGINE_BINARY set; it reads the database, no schema file) both run in the
//     throwaway directory;
//   - bench/peers/studio/measure.mjs drives each in its own page, --rounds times: open books
//     from the table list; page 10,000; a filter on author_id (indexed); a filter on title
//     (not indexed), with a text 19 rows hold and one 11,111 rows hold; author 5000's
//     back-relations, to its books shown. Both show 100 rows a page (Prisma Studio is set to
//     it; its default is 25), so each step puts the same rows on screen in both. Each step is timed in
//     the page, from the user's input to the first frame painted after the rows are in the page
//     (a MutationObserver, then requestAnimationFrame): the driver's own round trips are not
//     counted. For pgkit, the longest server-side time of the step's API calls is read from its
//     Server-Timing header as well;
//   - each figure is the median of the rounds; the ratio is Prisma Studio's time over pgkit's.
//
// Both studios are stopped at the end, and killed by the kernel if this program dies; the
// PostgreSQL server is removed.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "bench_tools.hpp"
#include "pgkit/pgkit.hpp"
#include "prisma_client_peer.hpp"
#include "service.hpp"
#include "throwaway_server.hpp"

#ifndef PGKIT_BENCH_PRISMA_CLIENT_DIR
#define PGKIT_BENCH_PRISMA_CLIENT_DIR "bench/peers/prisma-client"
#endif
#ifndef PGKIT_BENCH_STUDIO_DIR
#define PGKIT_BENCH_STUDIO_DIR "bench/peers/studio"
#endif

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using pgkit::bench::Service;

struct Options {
  int rounds = 3;
  int rows = 1'000'000;
  int parents = 10'000;
  fs::path pgkit;
  fs::path prisma_dir = PGKIT_BENCH_PRISMA_CLIENT_DIR;
  fs::path driver_dir = PGKIT_BENCH_STUDIO_DIR;
};

// The steps, in the driver's names and the order they are printed.
const std::vector<std::pair<std::string, std::string>> kSteps = {
    {"open", "open the table (first page shown)"},
    {"page10000", "page 10,000"},
    {"filterIndexed", "filter on an indexed column"},
    {"filterText", "filter on an unindexed text (19 rows)"},
    {"filterTextCommon", "the same, a common text (11,111 rows)"},
    {"backRelations", "a row's back-relations, to their rows"},
};

void seed(const pgkit::Config& config, int rows, int parents) {
  pgkit::Pool pool(config);
  fmt::print(stderr, "seeding {} authors and {} books …\n", parents, rows);
  auto c = pool.acquire();
  c->execute(R"(
    CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE books (id bigserial PRIMARY KEY, author_id int NOT NULL REFERENCES authors (id),
                        title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()))");
  c->query("INSERT INTO authors (name) SELECT 'Author ' || i FROM generate_series(1, $1::int) AS i", parents);
  c->query(
      "INSERT INTO books (author_id, title, created_at) SELECT (i - 1) % $2::int + 1, 'Book ' || i, "
      "timestamptz '2024-01-01' + i * interval '1 minute' FROM generate_series(1, $1::int) AS i",
      rows, parents);
  c->execute("CREATE INDEX books_author_id_idx ON books (author_id)");
  c->execute("VACUUM ANALYZE");
}

// Polls until the studio printed its sign-in link. @throws with its output when it ends first.
std::string sign_in_link(Service& studio, const fs::path& log) {
  const std::regex link(R"(open (http://127\.0\.0\.1:[0-9]+/login\?token=[A-Za-z0-9_-]+))");
  for (auto until = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < until;) {
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::smatch found; std::regex_search(text, found, link)) return found[1];
    if (studio.ended()) break;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error(fmt::format("pgkit studio printed no sign-in link; its output:\n{}", studio.log_tail()));
}

// Polls GET / until 200. @throws with the server's log when it ends or times out.
void wait_for_page(Service& s, int port) {
  for (auto until = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < until;) {
    if (auto r = pgkit::bench::http_get(port, "/"); r && r->status == 200) return;
    if (s.ended()) break;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error(fmt::format("{} did not serve its page; its output:\n{}", s.name(), s.log_tail()));
}

double median_of(const json::value& rounds, const char* field) {
  std::vector<double> v;
  for (const auto& r : rounds.as_array()) v.push_back(r.at(field).to_number<double>());
  return pgkit::bench::median(v);
}

double max_of(const json::value& rounds, const char* field) {
  double m = 0;
  for (const auto& r : rounds.as_array()) m = std::max(m, r.at(field).to_number<double>());
  return m;
}

int run(const Options& o) {
  const fs::path pgkit_cli = pgkit::bench::built_program(o.pgkit, "pgkit", "pgkit-cli");
  // Node and the packages first, before any server starts.
  pgkit::bench::PrismaClientPeer prisma = pgkit::bench::prepare_prisma_client_peer(o.prisma_dir);
  if (!pgkit::bench::has_node_packages(o.driver_dir, {"playwright-core"}))
    pgkit::bench::npm_install(o.driver_dir, "ci");
  pgkit::bench::require_program("chromium", {"chromium"});

  pgkit::bench::ThrowawayServer server({{"shared_buffers", "512MB"}, {"max_connections", "50"}});
  const std::string url = server.cluster().url();
  seed(pgkit::parse_url(url + "?application_name=pgkit-studio-bench").config, o.rows, o.parents);
  const fs::path root = server.root();

  const int pgkit_port = pgkit::bench::free_port();
  Service pgkit_studio("pgkit studio",
                       {pgkit_cli.string(), "studio", "--port", std::to_string(pgkit_port), "--no-open"},
                       {"DATABASE_URL=" + url, "PATH=/usr/bin:/bin"}, root, root / "pgkit-studio.log");
  const std::string link = sign_in_link(pgkit_studio, root / "pgkit-studio.log");

  const int prisma_port = pgkit::bench::free_port();
  const fs::path engine = pgkit::bench::find_program("true");
  Service prisma_studio("prisma studio",
                        {prisma.node.string(), (prisma.dir / "node_modules/prisma/build/index.js").string(), "studio",
                         "--url", url, "--browser", "none", "--port", std::to_string(prisma_port)},
                        {"PATH=" + prisma.node.parent_path().string() + ":/usr/bin:/bin", "HOME=" + root.string(),
                         "PRISMA_SCHEMA_ENGINE_BINARY=" + (engine.empty() ? "/bin/true" : engine.string()),
                         "CHECKPOINT_DISABLE=1", "PRISMA_HIDE_UPDATE_MESSAGE=1"},
                        root, root / "prisma-studio.log");
  wait_for_page(prisma_studio, prisma_port);

  fmt::print(stderr, "driving both studios in chromium, {} round(s) …\n", o.rounds);
  const pgkit::bench::ToolRun driven =
      pgkit::bench::run_captured({prisma.node.string(), "measure.mjs", link,
                                  fmt::format("http://localhost:{}/", prisma_port), std::to_string(o.rounds)},
                                 pgkit::bench::inherited_environment(), o.driver_dir);
  // The figures are the driver's last line.
  const std::size_t line = driven.output.find_last_of('\n', driven.output.size() > 1 ? driven.output.size() - 2 : 0);
  const std::size_t brace = line == std::string::npos ? 0 : line + 1;
  if (driven.status != 0 || driven.output.compare(brace, 1, "{") != 0)
    throw std::runtime_error(
        fmt::format("the driver failed (exit {}):\n{}\npgkit studio's output:\n{}\nPrisma "
                    "Studio's output:\n{}",
                    driven.status, driven.output, pgkit_studio.log_tail(), prisma_studio.log_tail()));
  const json::value figures = json::parse(driven.output.substr(brace));

  fmt::print(
      "pgkit_studio_bench: {} books, {} authors; Prisma Studio {} on Node {}; median of {} round(s), in "
      "the browser from the user's input to the rows painted\n\n",
      o.rows, o.parents, prisma.prisma_version, prisma.node_version, o.rounds);
  fmt::print("{:<40} {:>10} {:>14} {:>14} {:>8}\n", "step", "pgkit ms", "(server max)", "Prisma ms", "ratio");
  for (const auto& [step, label] : kSteps) {
    const json::value& ours = figures.at("pgkit").at(step);
    const json::value& theirs = figures.at("prisma").at(step);
    const double mine = median_of(ours, "ms"), peer = median_of(theirs, "ms");
    fmt::print("{:<40} {:>10.1f} {:>14.1f} {:>14.1f} {:>7.1f}×\n", label, mine, max_of(ours, "server"), peer,
               peer / mine);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(
      argc, argv, "pgkit_studio_bench", "pgkit studio against Prisma Studio 7, in chromium",
      [](CLI::App& cli, Options& o) {
        cli.add_option("--rounds", o.rounds, "Rounds of every step (each figure is their median)")
            ->check(CLI::Range(1, 50));
        cli.add_option("--rows", o.rows, "Books (at least 1,000,000: the steps look for rows that far)")
            ->check(CLI::Range(1'000'000, 50'000'000));
        cli.add_option("--parents", o.parents, "Authors (10,000: the steps look for author 5000's 100 books)")
            ->check(CLI::Range(10'000, 10'000));
        cli.add_option("--pgkit", o.pgkit, "The pgkit program (default: beside this one)");
        cli.add_option("--prisma-dir", o.prisma_dir, "bench/peers/prisma-client of the source tree");
        cli.add_option("--driver-dir", o.driver_dir, "bench/peers/studio of the source tree");
      },
      run);
}
