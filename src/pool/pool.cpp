// The PostgreSQL rules on top of the generic ResourcePool: opening and setting up sessions,
// acquiring and releasing, statistics and close. Checking connections before use is
// validation.cpp's; the background thread is housekeeping.cpp's.
#include "pgkit/pool.hpp"

#include <random>
#include <thread>

#include <fmt/format.h>

#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pool/pool_impl.hpp"

namespace pgkit {

using detail::PoolEntry;
using detail::coarse_now;
using detail::ns_of;
using Core = detail::ResourcePool<PoolEntry>;

namespace {

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<Millis>(b - a).count();
}

Config validated(Config config) {
  const auto& s = config.pool;
  if (s.max < 1 || s.min < 0 || s.min > s.max)
    throw ConfigError({.message = fmt::format("invalid pool size: min={} max={}", s.min, s.max),
                       .hint = "set DB_POOL_MIN ≥ 0 and DB_POOL_MAX ≥ 1 with min ≤ max"});
  return config;
}

}  // namespace

std::string PoolStats::summary() const {
  return fmt::format("total={} idle={} in_use={} waiting={} max={}", total, idle, in_use, waiting, max);
}

PooledConnection& PooledConnection::operator=(PooledConnection&& o) noexcept {
  if (this != &o) {
    release();
    pool_ = o.pool_;
    entry_ = o.entry_;
    o.entry_ = nullptr;
  }
  return *this;
}

Connection& PooledConnection::operator*() const {
  if (!entry_) throw UsageError({.message = "this PooledConnection was released or moved from"});
  return *entry_->conn;
}

void PooledConnection::release() noexcept {
  if (entry_) PoolAccess::impl(*pool_).release(std::exchange(entry_, nullptr));
}

Pool::Impl::Impl(Pool& self, Config config_in, PoolHooks hooks, RetryPolicy retry)
    : self(self),
      config(validated(std::move(config_in))),
      hooks(std::move(hooks)),
      retry(retry),
      core(config.pool.max) {
  const auto& s = config.pool;
  auto attrs = config.params.find("target_session_attrs");
  needs_writable = attrs != config.params.end() && (attrs->second == "read-write" || attrs->second == "primary");
  if (s.pgbouncer && (config.search_path || s.statement_timeout.count() > 0)) {
    // A transaction pooler keeps no session state: session_settings() applies none of them.
    std::string what = config.search_path ? fmt::format("search_path = '{}'", *config.search_path) : "";
    if (s.statement_timeout.count() > 0)
      what += fmt::format("{}statement_timeout = {}", what.empty() ? "" : ", ", s.statement_timeout.count());
    log().warn(
        "pgbouncer=true: not setting {} per session, since a transaction pooler keeps no session state between "
        "transactions; set them on the role (ALTER ROLE … SET …) or in pgbouncer's connect_query",
        what);
  }
  housekeeper = std::thread([this] { housekeeping(); });  // last: everything it reads is set up
}

Pool::Pool(Config config, PoolHooks hooks, RetryPolicy retry)
    : impl_(std::make_unique<Impl>(*this, std::move(config), std::move(hooks), retry)) {}

Pool::~Pool() { close(); }

bool Pool::connected() const noexcept { return impl_->connected.load(std::memory_order_relaxed); }
const Config& Pool::config() const { return impl_->config; }
const RetryPolicy& Pool::retry_policy() const { return impl_->retry; }

std::vector<SessionSetting> Pool::Impl::session_settings() const {
  std::vector<SessionSetting> out;
  if (config.pool.pgbouncer) return out;  // not kept by a transaction pooler: the constructor warned
  if (config.search_path) out.push_back({"search_path", *config.search_path});
  if (config.pool.statement_timeout.count() > 0)
    out.push_back({"statement_timeout", std::to_string(config.pool.statement_timeout.count())});
  return out;
}

// Opens and sets up one connection; counts the outcome.
PoolEntry* Pool::Impl::open_entry(Clock::time_point deadline) {
  try {
    auto conn = std::make_unique<Connection>(config, deadline);
    QueryOptions setup{.timeout = config.pool.connect_timeout, .prepare = false};
    for (const auto& s : session_settings())
      if (s.name != "search_path") conn->query(setup, kSetConfig, s.name, s.value);  // the Connection set it
    return adopt(std::move(conn));
  } catch (const CannotConnect&) {
    connect_failed();
    throw;
  }
}

void Pool::Impl::connect_failed() noexcept {
  connect_errors.fetch_add(1, std::memory_order_relaxed);
  connected.store(false, std::memory_order_relaxed);
}

PoolEntry* Pool::Impl::adopt(std::unique_ptr<Connection> conn) {
  if (unnamed.load(std::memory_order_relaxed)) conn->use_named_statements(false);
  if (hooks.after_connect) hooks.after_connect(*conn);
  auto e = std::make_unique<PoolEntry>();
  e->conn = std::move(conn);
  e->created = Clock::now();
  e->last_used = coarse_now();
  if (config.pool.max_lifetime.count() > 0) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    double cut = config.pool.lifetime_jitter * std::uniform_real_distribution<double>(0, 1)(rng);
    e->expires = e->created + std::chrono::duration_cast<Clock::duration>(config.pool.max_lifetime * (1 - cut));
  }
  created.fetch_add(1, std::memory_order_relaxed);
  connected.store(true, std::memory_order_relaxed);
  return e.release();
}

void Pool::Impl::close_entry(PoolEntry* e) noexcept {
  delete e;  // ~Connection sends Terminate
  closed.fetch_add(1, std::memory_order_relaxed);
}

void Pool::Impl::discard(PoolEntry* e) noexcept {
  core.destroy(e);
  close_entry(e);
}

PooledConnection Pool::Impl::lease(PoolEntry* e, std::source_location where,
                                   std::optional<Clock::time_point> wait_start, bool for_coroutine) {
  e->no_io_on_release = for_coroutine;
  e->acquired_where = where;
  // Once one connection found that the pooler keeps no named statements, none should try them.
  if (unnamed.load(std::memory_order_relaxed) && e->conn->named_statements()) e->conn->use_named_statements(false);
  e->leak_reported.store(false, std::memory_order_relaxed);
  e->acquired_ns.store(ns_of(coarse_now()), std::memory_order_release);
  acquired.fetch_add(1, std::memory_order_relaxed);
  if (wait_start) {
    auto waited = Clock::now() - *wait_start;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count();
    acquire_waits.fetch_add(1, std::memory_order_relaxed);
    wait_total_ns.fetch_add(ns, std::memory_order_relaxed);
    auto prev = wait_max_ns.load(std::memory_order_relaxed);
    while (ns > prev && !wait_max_ns.compare_exchange_weak(prev, ns)) {}
    std::size_t b = 0;
    while (b < PoolStats::kWaitBuckets.size() && waited > PoolStats::kWaitBuckets[b]) ++b;
    histogram[b].fetch_add(1, std::memory_order_relaxed);
  }
  return PoolAccess::lease(self, e);
}

PooledConnection Pool::acquire(std::source_location where) {
  return impl_->acquire_within(impl_->config.pool.acquire_timeout, where);
}

PooledConnection Pool::Impl::acquire_within(Millis timeout, std::source_location where, bool retry_connect) {
  std::optional<Clock::time_point> start;
  Clock::time_point deadline;
  int connect_failures = 0;
  for (;;) {
    auto a = start ? core.acquire(deadline) : core.try_acquire();
    if (!start && a.got != Core::Got::resource) {
      // Slow path from here: measure the wait and bound it.
      start = Clock::now();
      deadline = *start + timeout;
      if (a.got == Core::Got::wait) continue;
    }
    switch (a.got) {
      case Core::Got::resource:
        // No clock read on the fast path: most idle connections need no ping.
        if (!usable(a.resource, start ? std::optional<Clock::time_point>(deadline) : std::nullopt, timeout)) {
          discard(a.resource);
          continue;
        }
        return lease(a.resource, where, start);
      case Core::Got::create:
        try {
          PoolEntry* e = open_entry(std::min(deadline, Clock::now() + config.pool.connect_timeout));
          core.created(e);
          return lease(e, where, start);
        } catch (const Error& err) {
          core.create_failed();
          // A server that is restarting or starting up: try again until the acquire deadline.
          auto pause = retry.delay(++connect_failures);
          if (!retry_connect || !is_transient(err) || Clock::now() + pause >= deadline) throw;
          std::this_thread::sleep_for(pause);
          continue;
        } catch (...) {  // an after_connect hook's own exception: the slot must still go back
          core.create_failed();
          throw;
        }
      case Core::Got::closed: throw_closed(where);
      case Core::Got::timeout:
      case Core::Got::wait: throw_exhausted(*start, where);
    }
  }
}

void Pool::Impl::throw_exhausted(Clock::time_point start, std::source_location where) {
  acquire_timeouts.fetch_add(1, std::memory_order_relaxed);
  auto st = stats();
  throw PoolExhausted(
      {.message = fmt::format("no connection available within {} ms (total={}, in use={}, idle={}, waiting={}, "
                              "max={}, elapsed={} ms)",
                              config.pool.acquire_timeout.count(), st.total, st.in_use, st.idle, st.waiting, st.max,
                              ms_between(start, Clock::now())),
       .hint = "raise DB_POOL_MAX (within the server's max_connections), shorten transactions, or look for "
               "connections held too long (DB_LEAK_THRESHOLD_MS logs where they were acquired)"},
      where);
}

[[noreturn]] void Pool::Impl::throw_closed(std::source_location where) {
  throw PoolClosed({.message = "the pool is closed", .hint = "the program is shutting down"}, where);
}

void Pool::Impl::release(PoolEntry* e) noexcept {
  e->acquired_ns.store(0, std::memory_order_relaxed);
  Connection& c = *e->conn;
  if (!c.named_statements() && !unnamed.load(std::memory_order_relaxed)) unnamed.store(true);
  bool keep = !c.broken();
  if (keep && c.transaction_status() != TxStatus::idle && e->no_io_on_release) {
    // An io thread must not wait for a ROLLBACK: close instead; the server rolls back.
    c.close();
    keep = false;
  }
  if (keep && c.transaction_status() != TxStatus::idle) {
    // Never hand out a connection inside a transaction: roll back, or close it.
    try {
      if (c.transaction_status() != TxStatus::active) c.execute("ROLLBACK", {.timeout = config.pool.connect_timeout});
    } catch (...) {}
    keep = !c.broken() && c.transaction_status() == TxStatus::idle;
  }
  if (keep && hooks.after_release) {
    try {
      keep = hooks.after_release(c);
    } catch (...) {
      keep = false;
    }
  }
  auto now = coarse_now();
  if (keep && now >= e->expires) keep = false;
  if (keep && needs_writable && turned_read_only(c)) {
    log().warn("{} is read-only now (a failover or a read-only switch): discarding its connections", c.display_url());
    drain_read_only(e);
    keep = false;
  }
  if (!keep) {
    if (c.broken()) suspect_before_ns.store(ns_of(now), std::memory_order_relaxed);
    discard(e);
    return;
  }
  e->last_used = now;
  if (!core.release(e)) close_entry(e);
}

bool Pool::test_connection(Millis timeout) noexcept {
  try {
    // The whole check within timeout: a server that is down must not cost the acquire timeout.
    auto c =
        impl_->acquire_within(std::min(timeout, impl_->config.pool.acquire_timeout), std::source_location::current());
    bool ok = c->ping(timeout);
    impl_->connected.store(ok, std::memory_order_relaxed);
    return ok;
  } catch (...) {
    return false;
  }
}

PoolStats Pool::stats() const { return impl_->stats(); }

PoolStats Pool::Impl::stats() const {
  auto n = core.counts();
  PoolStats s;
  s.total = n.total;
  s.idle = n.idle;
  s.in_use = n.in_use();
  s.waiting = n.waiting;
  s.max = config.pool.max;
  s.min = config.pool.min;
  auto get = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  s.created = get(created);
  s.closed = get(closed);
  s.acquired = get(acquired);
  s.acquire_timeouts = get(acquire_timeouts);
  s.connect_errors = get(connect_errors);
  s.validation_failures = get(validation_failures);
  s.leaks_reported = get(leaks_reported);
  s.read_only_discards = get(read_only_discards);
  s.acquire_waits = get(acquire_waits);
  s.acquire_wait_total = std::chrono::nanoseconds(get(wait_total_ns));
  s.acquire_wait_max = std::chrono::nanoseconds(get(wait_max_ns));
  for (std::size_t i = 0; i < s.acquire_wait_histogram.size(); ++i) s.acquire_wait_histogram[i] = get(histogram[i]);
  return s;
}

void Pool::close(Millis deadline) {
  {
    std::lock_guard lk(impl_->stop_mu);
    if (impl_->closed_once) return;
    impl_->closed_once = true;
  }
  for (PoolEntry* e : impl_->core.close()) impl_->close_entry(e);
  auto until = Clock::now() + deadline;
  while (impl_->core.counts().total > 0 && Clock::now() < until) std::this_thread::sleep_for(Millis{5});
  {
    std::lock_guard lk(impl_->stop_mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  if (impl_->housekeeper.joinable()) impl_->housekeeper.join();
  if (int left = impl_->core.counts().in_use(); left > 0)
    log().warn("pool closed with {} connection(s) still in use after {} ms; they close when returned", left,
               deadline.count());
}

}  // namespace pgkit
