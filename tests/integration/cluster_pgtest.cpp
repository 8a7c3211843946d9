// A primary and a real streaming standby (pg_basebackup -R): routing by intent, lag bounds,
// read-your-writes, and a pool that leaves a node that turned read-only.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "pg_config.hpp"
#include "pgkit/cluster.hpp"
#include "pgkit/database.hpp"
#include "pgkit/error.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;

namespace {

// One primary with one standby for the tests of this file (a standby costs ~1 s to make).
struct Replicated {
  std::unique_ptr<LocalCluster> primary = test::private_server();
  std::unique_ptr<LocalCluster> standby = test::standby_of(*primary);
};

Replicated& replicated() {
  static Replicated r;
  return r;
}

// The configuration a user would write: DATABASE_URL and DATABASE_REPLICA_URL (without
// credentials, which it takes from the primary's).
Config cluster_config(const Replicated& r, std::map<std::string, std::string> more = {}) {
  std::map<std::string, std::string> env = {
      {"DATABASE_URL", r.primary->url() + "?application_name=cluster-test"},
      {"DATABASE_REPLICA_URL",
       fmt::format("postgresql://127.0.0.1:{}/postgres?application_name=cluster-test", r.standby->port())},
      {"DB_REPLICA_CHECK_MS", "100"},
      {"DB_SLOW_QUERY_MS", "0"},
  };
  for (auto& [k, v] : more) env[k] = v;
  ConfigOptions options;
  options.read_dotenv = false;
  options.getenv = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  LoadedConfig loaded = load_config(options);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  return loaded.config;
}

bool on_standby(Cluster& db) { return db.read("SELECT pg_is_in_recovery()").scalar<bool>(); }

::testing::AssertionResult caught_up(const Replicated& r) { return test::standby_caught_up(*r.primary, *r.standby); }

}  // namespace

TEST(Cluster, ReplicaUrlsAreSplitAndTakeThePrimaryCredentials) {
  auto& r = replicated();
  Config c = cluster_config(
      r, {{"DATABASE_REPLICA_URL",
           fmt::format("postgresql://127.0.0.1:{}/postgres, postgres://h1,h2:5433/other", r.standby->port())}});
  ASSERT_EQ(c.replicas.nodes.size(), 2u);
  EXPECT_EQ(c.replicas.nodes[0].at("user"), r.primary->user());
  EXPECT_EQ(c.replicas.nodes[0].at("password"), r.primary->password());
  EXPECT_EQ(c.replicas.nodes[1].at("host"), "h1,h2");
  EXPECT_EQ(c.replicas.nodes[1].at("dbname"), "other");
  EXPECT_EQ(c.replica(1).masked().find(r.primary->password()), std::string::npos);
}

TEST(Cluster, ReadsGoToTheReplicaAndWritesToThePrimary) {
  auto& r = replicated();
  Cluster db(cluster_config(r));
  auto nodes = db.check_now();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_TRUE(nodes[1].in_rotation) << nodes[1].reason;
  EXPECT_TRUE(nodes[1].in_recovery);
  EXPECT_EQ(nodes[1].role, NodeStatus::Role::replica);

  db.write("CREATE TABLE IF NOT EXISTS routed (id int PRIMARY KEY)");
  ASSERT_TRUE(caught_up(r));
  EXPECT_FALSE(db.write("SELECT pg_is_in_recovery()").scalar<bool>());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(on_standby(db));
  EXPECT_TRUE(db.transaction([](Transaction& tx) { return tx.query("SELECT pg_is_in_recovery()").scalar<bool>(); },
                             {.read_only = true}));
  EXPECT_FALSE(db.transaction([](Transaction& tx) { return tx.query("SELECT pg_is_in_recovery()").scalar<bool>(); }));
  // A write declared as a read fails where it runs: it is not quietly moved to the primary.
  try {
    db.read("INSERT INTO routed VALUES (1)");
    FAIL() << "a write ran through read()";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "25006") << e.what();
  }
  EXPECT_TRUE(db.read({.target = Target::primary}, "SELECT NOT pg_is_in_recovery()").scalar<bool>());
}

TEST(Cluster, ReadWriteWorkOnAReplicaIsAnErrorNotARedirect) {
  auto& r = replicated();
  Cluster db(cluster_config(r));
  db.check_now();
  bool ran = false;
  EXPECT_THROW(db.transaction([&](Transaction&) { ran = true; }, {}, {.target = Target::replica}), UsageError);
  EXPECT_FALSE(ran);
  EXPECT_THROW(db.write({.target = Target::replica}, "SELECT 1"), UsageError);
  EXPECT_TRUE(db.transaction([](Transaction& tx) { return tx.query("SELECT pg_is_in_recovery()").scalar<bool>(); },
                             {.read_only = true}, {.target = Target::replica}));
}

TEST(Cluster, AReadThatFallsBackToThePrimaryStaysReadOnly) {
  auto& r = replicated();
  Config c = cluster_config(r);
  c.replicas.nodes.clear();  // no replica: every read runs on the primary
  Cluster db(c);
  db.write("CREATE TABLE IF NOT EXISTS fallback (id int)");
  EXPECT_FALSE(on_standby(db));
  try {
    db.read("INSERT INTO fallback VALUES (1)");
    FAIL() << "read() wrote on the primary";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "25006") << e.what();
  }
  EXPECT_EQ(db.write("SELECT count(*) FROM fallback").scalar<std::int64_t>(), 0);
}

TEST(Cluster, ALaggingReplicaLeavesTheRotationAndRejoins) {
  auto& r = replicated();
  Cluster db(cluster_config(r, {{"DB_REPLICA_MAX_LAG_MS", "300"}}));
  db.write("CREATE TABLE IF NOT EXISTS lagging (id serial, at timestamptz DEFAULT now())");
  ASSERT_TRUE(caught_up(r));
  ASSERT_TRUE(db.check_now()[1].in_rotation);

  r.standby->sql("SELECT pg_wal_replay_pause()");
  auto paused_at = std::chrono::steady_clock::now();
  NodeStatus seen;
  EXPECT_TRUE(test::eventually([&] {
    db.write("INSERT INTO lagging DEFAULT VALUES");  // the primary moves on, the paused replica falls behind
    seen = db.check_now()[1];
    return !seen.in_rotation;
  }));
  std::printf(
      "[ figures  ] lagging replica: out of rotation after %lld ms: %s (lag %lld ms, %lld bytes)\n",
      static_cast<long long>(std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - paused_at).count()),
      seen.reason.c_str(), seen.lag ? static_cast<long long>(seen.lag->count()) : -1LL,
      static_cast<long long>(seen.lag_bytes.value_or(-1)));
  ASSERT_FALSE(seen.in_rotation);
  EXPECT_NE(seen.reason.find("DB_REPLICA_MAX_LAG_MS"), std::string::npos) << seen.reason;
  EXPECT_GT(seen.lag_bytes.value_or(0), 0);
  // Its reads go to the primary, without an error, and see the latest rows.
  EXPECT_FALSE(on_standby(db));
  EXPECT_EQ(db.read("SELECT count(*) FROM lagging").scalar<std::int64_t>(),
            db.write("SELECT count(*) FROM lagging").scalar<std::int64_t>());

  r.standby->sql("SELECT pg_wal_replay_resume()");
  ASSERT_TRUE(caught_up(r));
  auto back = db.check_now()[1];
  EXPECT_TRUE(back.in_rotation) << back.reason;
  EXPECT_EQ(back.lag, Millis{0});
  EXPECT_TRUE(on_standby(db));
}

TEST(Cluster, ReadYourWritesPinsAWriterToThePrimaryForTheWindow) {
  auto& r = replicated();
  Cluster db(cluster_config(r, {{"DB_READ_YOUR_WRITES_MS", "1500"}, {"DB_REPLICA_MAX_LAG_MS", "600000"}}));
  db.write("CREATE TABLE IF NOT EXISTS ryw (who text)");
  ASSERT_TRUE(caught_up(r));
  ASSERT_TRUE(db.check_now()[1].in_rotation);
  r.standby->sql("SELECT pg_wal_replay_pause()");
  struct Resume {
    LocalCluster& s;
    ~Resume() { s.sql("SELECT pg_wal_replay_resume()"); }
  } resume{*r.standby};

  db.write({.caller = "alice"}, "INSERT INTO ryw VALUES ($1)", "alice");
  auto count = [&](std::string_view caller) {
    return db.read({.caller = caller}, "SELECT count(*) FROM ryw WHERE who = 'alice'").scalar<std::int64_t>();
  };
  EXPECT_EQ(count("alice"), 1) << "the writer does not see its own write";
  EXPECT_EQ(count("bob"), 0) << "another caller's read did not go to the (paused) replica";
  EXPECT_EQ(count(""), 0);
  std::this_thread::sleep_for(1600ms);  // the 1500 ms window must pass: a cause, not a synchronisation
  EXPECT_EQ(count("alice"), 0) << "the window should have ended: alice reads from the replica again";
  // A read-write transaction starts the window too.
  db.transaction([](Transaction& tx) { tx.query("INSERT INTO ryw VALUES ('carol')"); }, {}, {.caller = "carol"});
  EXPECT_EQ(db.read({.caller = "carol"}, "SELECT count(*) FROM ryw WHERE who = 'carol'").scalar<std::int64_t>(), 1);
}

TEST(Cluster, DatabaseFromTheEnvironmentMakesTheCluster) {
  auto& r = replicated();
  Config c = cluster_config(r);
  LoadedConfig loaded;
  loaded.config = c;
  Database database(loaded);
  ASSERT_TRUE(database.configured());
  EXPECT_EQ(database.cluster().replica_count(), 1u);
  EXPECT_TRUE(database.test_connection());
  auto nodes = database.cluster().check_now();
  EXPECT_TRUE(nodes[0].reachable);
  EXPECT_FALSE(nodes[0].in_recovery);
  EXPECT_EQ(nodes[0].url.find(r.primary->password()), std::string::npos);
}

TEST(Cluster, ReplicaSettingsAreValidated) {
  ConfigOptions options;
  options.read_dotenv = false;
  std::map<std::string, std::string> env = {{"DATABASE_REPLICA_URL", "postgresql://replica/app"},
                                            {"DB_REPLICA_MAX_LAG_MS", "10s"}};
  options.getenv = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto loaded = load_config(options);
  EXPECT_NE(loaded.problems_text().find("DATABASE_REPLICA_URL: is set but no primary"), std::string::npos)
      << loaded.problems_text();
  EXPECT_NE(loaded.problems_text().find("DB_REPLICA_MAX_LAG_MS"), std::string::npos) << loaded.problems_text();
  env = {{"DATABASE_URL", "postgresql://u:secret@db/app"},
         {"DATABASE_REPLICA_URL", "postgresql://u:pw@replica:99999/app"}};
  loaded = load_config(options);
  EXPECT_NE(loaded.problems_text().find("DATABASE_REPLICA_URL (port)"), std::string::npos) << loaded.problems_text();
  EXPECT_EQ(loaded.problems_text().find("secret"), std::string::npos);

  // The primary's password goes only to its own user, and with its TLS settings.
  env = {{"DATABASE_URL", "postgresql://u:secret@db/app?sslmode=verify-full&sslrootcert=/ca.pem"},
         {"DATABASE_REPLICA_URL", "postgresql://replica/app,postgresql://reader@replica2/app"}};
  loaded = load_config(options);
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  const auto& nodes = loaded.config.replicas.nodes;
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].at("password"), "secret");
  EXPECT_EQ(nodes[0].at("sslmode"), "verify-full");
  EXPECT_EQ(nodes[0].at("sslrootcert"), "/ca.pem");
  EXPECT_EQ(nodes[1].count("password"), 0u) << "another user must not get the primary's password";
  EXPECT_EQ(nodes[1].at("sslmode"), "verify-full");
}

// Two unrelated primaries behind one multi-host URL: when the first turns read-only (as a
// managed server does when its disk fills, or a demoted primary), idempotent writes move to the
// second and the pool leaves no connection on the first.
TEST(Failover, APoolLeavesANodeThatTurnedReadOnly) {
  auto a = test::private_server();
  auto b = test::private_server();
  for (auto* s : {a.get(), b.get()}) s->sql("CREATE TABLE kv (k int PRIMARY KEY, port int)");
  auto loaded =
      parse_url(fmt::format("postgresql://{}:{}@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write"
                            "&application_name=ro-failover",
                            a->user(), a->password(), a->port(), b->port()));
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  loaded.config.pool.min = 3;
  Pool pool(loaded.config);
  const std::string upsert =
      "INSERT INTO kv VALUES ($1, inet_server_port()) ON CONFLICT (k) DO UPDATE SET port = excluded.port RETURNING "
      "port";
  EXPECT_EQ(pool.query(idempotent, upsert, 1).scalar<int>(), a->port());
  ASSERT_TRUE(test::eventually([&] { return pool.stats().idle >= 3; }));

  ASSERT_TRUE(test::make_read_only(*a));
  for (int k = 2; k < 12; ++k) EXPECT_EQ(pool.query(idempotent, upsert, k).scalar<int>(), b->port());
  auto st = pool.stats();
  std::printf("[ figures  ] read-only failover: %llu connection(s) discarded as read-only, %llu opened\n",
              static_cast<unsigned long long>(st.read_only_discards), static_cast<unsigned long long>(st.created));
  EXPECT_GE(st.read_only_discards, 1u);
  EXPECT_TRUE(test::eventually([&] { return test::server_connections(*a, "ro-failover") == 0; }))
      << "connections to the read-only node were kept";
  EXPECT_EQ(b->sql("SELECT count(*) FROM kv")[0], "10");
}
