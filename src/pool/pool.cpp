// The PostgreSQL rules on top of the generic ResourcePool: opening and setting up sessions,
// checking connections before use, retiring them, housekeeping, statistics and close.
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
  if (entry_) pool_->release(std::exchange(entry_, nullptr));
}

Pool::Pool(Config config, PoolHooks hooks, RetryPolicy retry)
    : config_(std::move(config)), hooks_(std::move(hooks)), retry_(retry) {
  const auto& s = config_.pool;
  if (s.max < 1 || s.min < 0 || s.min > s.max)
    throw ConfigError({.message = fmt::format("invalid pool size: min={} max={}", s.min, s.max),
                       .hint = "set DB_POOL_MIN ≥ 0 and DB_POOL_MAX ≥ 1 with min ≤ max"});
  auto attrs = config_.params.find("target_session_attrs");
  needs_writable_ = attrs != config_.params.end() && (attrs->second == "read-write" || attrs->second == "primary");
  impl_ = std::make_unique<Impl>(s.max);
  if (s.pgbouncer && (config_.search_path || s.statement_timeout.count() > 0)) {
    // A transaction pooler keeps no session state: session_settings() applies none of them.
    std::string what = config_.search_path ? fmt::format("search_path = '{}'", *config_.search_path) : "";
    if (s.statement_timeout.count() > 0)
      what += fmt::format("{}statement_timeout = {}", what.empty() ? "" : ", ", s.statement_timeout.count());
    log().warn("pgbouncer=true: not setting {} per session, since a transaction pooler keeps no session state between "
               "transactions; set them on the role (ALTER ROLE … SET …) or in pgbouncer's connect_query",
               what);
  }
  impl_->housekeeper = std::thread([this] { housekeeping(); });
}

Pool::~Pool() { close(); }

std::vector<SessionSetting> Pool::session_settings() const {
  std::vector<SessionSetting> out;
  if (config_.pool.pgbouncer) return out;  // not kept by a transaction pooler: the constructor warned
  if (config_.search_path) out.push_back({"search_path", *config_.search_path});
  if (config_.pool.statement_timeout.count() > 0)
    out.push_back({"statement_timeout", std::to_string(config_.pool.statement_timeout.count())});
  return out;
}

// Opens and sets up one connection; counts the outcome.
PoolEntry* Pool::open_entry(Clock::time_point deadline) {
  try {
    auto conn = std::make_unique<Connection>(config_, deadline);
    QueryOptions setup{.timeout = config_.pool.connect_timeout, .prepare = false};
    for (const auto& s : session_settings())
      if (s.name != "search_path") conn->query(setup, kSetConfig, s.name, s.value);  // the Connection set it
    return adopt(std::move(conn));
  } catch (const CannotConnect&) {
    connect_failed();
    throw;
  }
}

void Pool::connect_failed() noexcept {
  impl_->connect_errors.fetch_add(1, std::memory_order_relaxed);
  connected_.store(false, std::memory_order_relaxed);
}

PoolEntry* Pool::adopt(std::unique_ptr<Connection> conn) {
  if (impl_->unnamed.load(std::memory_order_relaxed)) conn->use_named_statements(false);
  if (hooks_.after_connect) hooks_.after_connect(*conn);
  auto e = std::make_unique<PoolEntry>();
  e->conn = std::move(conn);
  e->created = Clock::now();
  e->last_used = coarse_now();
  if (config_.pool.max_lifetime.count() > 0) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    double cut = config_.pool.lifetime_jitter * std::uniform_real_distribution<double>(0, 1)(rng);
    e->expires = e->created + std::chrono::duration_cast<Clock::duration>(config_.pool.max_lifetime * (1 - cut));
  }
  impl_->created.fetch_add(1, std::memory_order_relaxed);
  connected_.store(true, std::memory_order_relaxed);
  return e.release();
}

void Pool::close_entry(PoolEntry* e) noexcept {
  delete e;  // ~Connection sends Terminate
  impl_->closed.fetch_add(1, std::memory_order_relaxed);
}

void Pool::discard(PoolEntry* e) noexcept {
  impl_->core.destroy(e);
  close_entry(e);
}

// Decides what an idle connection needs before it is handed out. Called without the pool lock.
Pool::IdleCheck Pool::check_idle(PoolEntry* e) const {
  auto now = coarse_now();
  if (now >= e->expires || e->conn->broken()) return IdleCheck::discard;
  if (needs_writable_ && ns_of(e->created) < impl_->drain_before_ns.load(std::memory_order_relaxed))
    return IdleCheck::discard;
  bool idle_long = now - e->last_used > config_.pool.validation_window;
  bool suspect = ns_of(e->last_used) < impl_->suspect_before_ns.load(std::memory_order_relaxed);
  return idle_long || suspect ? IdleCheck::ping : IdleCheck::ok;
}

void Pool::validation_failed() noexcept { impl_->validation_failures.fetch_add(1, std::memory_order_relaxed); }

bool Pool::usable(PoolEntry* e, std::optional<Clock::time_point> deadline, Millis timeout) {
  switch (check_idle(e)) {
    case IdleCheck::ok: return true;
    case IdleCheck::discard: return false;
    case IdleCheck::ping: break;
  }
  // A forgotten link swallows the ping without a reset: its bound is the validation timeout
  // (well under a second), within what is left of the acquire's own deadline.
  auto left = deadline ? std::chrono::duration_cast<Millis>(*deadline - Clock::now()) : timeout;
  if (e->conn->ping(std::min(config_.pool.validation_timeout, std::max(left, Millis{10})))) {
    if (!turned_read_only(*e->conn)) return true;
    drain_read_only(e);
    return false;
  }
  validation_failed();
  // Its siblings quiet as long are checked together, in one wait, rather than each costing the
  // next caller a validation timeout of its own.
  std::vector<PoolEntry*> siblings = borrow_quiet_siblings(e);
  std::vector<Connection*> conns;
  for (PoolEntry* s : siblings) conns.push_back(s->conn.get());
  std::vector<bool> alive = Connection::ping_all(conns, config_.pool.validation_timeout);
  for (std::size_t i = 0; i < siblings.size(); ++i) settle_checked(siblings[i], alive[i]);
  return false;
}

std::vector<PoolEntry*> Pool::borrow_quiet_siblings(const PoolEntry* dead) {
  const auto quiet_since = dead->last_used;
  return impl_->core.borrow_idle([&](PoolEntry* e) { return e->last_used <= quiet_since; });
}

void Pool::settle_checked(PoolEntry* e, bool alive) noexcept {
  if (alive && turned_read_only(*e->conn)) {
    drain_read_only(e);
    alive = false;
  } else if (!alive) {
    validation_failed();
  }
  if (!alive) {
    discard(e);
    return;
  }
  e->last_used = coarse_now();
  if (!impl_->core.release(e)) close_entry(e);
}

// Servers report both settings whenever they change (PostgreSQL 14+), so a connection learns
// of a promotion or a read-only switch from the next message it reads, without a query.
bool Pool::turned_read_only(const Connection& c) const noexcept {
  if (!needs_writable_ || c.broken()) return false;
  return c.parameter_status("in_hot_standby") == "on" || c.parameter_status("default_transaction_read_only") == "on";
}

void Pool::drain_read_only(const PoolEntry* e) noexcept {
  impl_->read_only_discards.fetch_add(1, std::memory_order_relaxed);
  // A connection opened before the last drain is one more of the same old node: discarding it
  // is enough. Draining again would throw away the connections to the new primary opened since.
  if (ns_of(e->created) < impl_->drain_before_ns.load(std::memory_order_relaxed)) return;
  impl_->drain_before_ns.store(ns_of(Clock::now()), std::memory_order_relaxed);
}

bool Pool::failed_over_since(std::uint64_t read_only_discards, const Error& e) const noexcept {
  return needs_writable_ && e.sqlstate() == "25006" &&
         impl_->read_only_discards.load(std::memory_order_relaxed) != read_only_discards;
}

PooledConnection Pool::lease(PoolEntry* e, std::source_location where, std::optional<Clock::time_point> wait_start,
                             bool for_coroutine) {
  e->no_io_on_release = for_coroutine;
  e->acquired_where = where;
  // Once one connection found that the pooler keeps no named statements, none should try them.
  if (impl_->unnamed.load(std::memory_order_relaxed) && e->conn->named_statements()) e->conn->use_named_statements(false);
  e->leak_reported.store(false, std::memory_order_relaxed);
  e->acquired_ns.store(ns_of(coarse_now()), std::memory_order_release);
  impl_->acquired.fetch_add(1, std::memory_order_relaxed);
  if (wait_start) {
    auto waited = Clock::now() - *wait_start;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count();
    impl_->acquire_waits.fetch_add(1, std::memory_order_relaxed);
    impl_->wait_total_ns.fetch_add(ns, std::memory_order_relaxed);
    auto prev = impl_->wait_max_ns.load(std::memory_order_relaxed);
    while (ns > prev && !impl_->wait_max_ns.compare_exchange_weak(prev, ns)) {}
    std::size_t b = 0;
    while (b < PoolStats::kWaitBuckets.size() && waited > PoolStats::kWaitBuckets[b]) ++b;
    impl_->histogram[b].fetch_add(1, std::memory_order_relaxed);
  }
  return PooledConnection(this, e);
}

PooledConnection Pool::acquire(std::source_location where) { return acquire_within(config_.pool.acquire_timeout, where); }

PooledConnection Pool::acquire_within(Millis timeout, std::source_location where, bool retry_connect) {
  std::optional<Clock::time_point> start;
  Clock::time_point deadline;
  int connect_failures = 0;
  for (;;) {
    auto a = start ? impl_->core.acquire(deadline) : impl_->core.try_acquire();
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
          PoolEntry* e = open_entry(std::min(deadline, Clock::now() + config_.pool.connect_timeout));
          impl_->core.created(e);
          return lease(e, where, start);
        } catch (const Error& err) {
          impl_->core.create_failed();
          // A server that is restarting or starting up: try again until the acquire deadline.
          auto pause = retry_.delay(++connect_failures);
          if (!retry_connect || !is_transient(err) || Clock::now() + pause >= deadline) throw;
          std::this_thread::sleep_for(pause);
          continue;
        } catch (...) {  // an after_connect hook's own exception: the slot must still go back
          impl_->core.create_failed();
          throw;
        }
      case Core::Got::closed:
        throw_closed(where);
      case Core::Got::timeout:
      case Core::Got::wait:
        throw_exhausted(*start, where);
    }
  }
}

void Pool::throw_exhausted(Clock::time_point start, std::source_location where) {
  impl_->acquire_timeouts.fetch_add(1, std::memory_order_relaxed);
  auto st = stats();
  throw PoolExhausted(
      {.message = fmt::format("no connection available within {} ms (total={}, in use={}, idle={}, waiting={}, "
                              "max={}, elapsed={} ms)",
                              config_.pool.acquire_timeout.count(), st.total, st.in_use, st.idle, st.waiting, st.max,
                              ms_between(start, Clock::now())),
       .hint = "raise DB_POOL_MAX (within the server's max_connections), shorten transactions, or look for "
               "connections held too long (DB_LEAK_THRESHOLD_MS logs where they were acquired)"},
      where);
}

[[noreturn]] void Pool::throw_closed(std::source_location where) {
  throw PoolClosed({.message = "the pool is closed", .hint = "the program is shutting down"}, where);
}

void Pool::release(PoolEntry* e) noexcept {
  e->acquired_ns.store(0, std::memory_order_relaxed);
  Connection& c = *e->conn;
  if (!c.named_statements() && !impl_->unnamed.load(std::memory_order_relaxed)) impl_->unnamed.store(true);
  bool keep = !c.broken();
  if (keep && c.transaction_status() != TxStatus::idle && e->no_io_on_release) {
    // An io thread must not wait for a ROLLBACK: close instead; the server rolls back.
    c.close();
    keep = false;
  }
  if (keep && c.transaction_status() != TxStatus::idle) {
    // Never hand out a connection inside a transaction: roll back, or close it.
    try {
      if (c.transaction_status() != TxStatus::active) c.execute("ROLLBACK", {.timeout = config_.pool.connect_timeout});
    } catch (...) {
    }
    keep = !c.broken() && c.transaction_status() == TxStatus::idle;
  }
  if (keep && hooks_.after_release) {
    try {
      keep = hooks_.after_release(c);
    } catch (...) {
      keep = false;
    }
  }
  auto now = coarse_now();
  if (keep && now >= e->expires) keep = false;
  if (keep && needs_writable_ && turned_read_only(c)) {
    log().warn("{} is read-only now (a failover or a read-only switch): discarding its connections",
               c.display_url());
    drain_read_only(e);
    keep = false;
  }
  if (!keep) {
    if (c.broken()) impl_->suspect_before_ns.store(ns_of(now), std::memory_order_relaxed);
    discard(e);
    return;
  }
  e->last_used = now;
  if (!impl_->core.release(e)) close_entry(e);
}

bool Pool::test_connection(Millis timeout) noexcept {
  try {
    // The whole check within timeout: a server that is down must not cost the acquire timeout.
    auto c = acquire_within(std::min(timeout, config_.pool.acquire_timeout), std::source_location::current());
    bool ok = c->ping(timeout);
    connected_.store(ok, std::memory_order_relaxed);
    return ok;
  } catch (...) {
    return false;
  }
}

PoolStats Pool::stats() const {
  auto n = impl_->core.counts();
  PoolStats s;
  s.total = n.total;
  s.idle = n.idle;
  s.in_use = n.in_use();
  s.waiting = n.waiting;
  s.max = config_.pool.max;
  s.min = config_.pool.min;
  auto get = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  s.created = get(impl_->created);
  s.closed = get(impl_->closed);
  s.acquired = get(impl_->acquired);
  s.acquire_timeouts = get(impl_->acquire_timeouts);
  s.connect_errors = get(impl_->connect_errors);
  s.validation_failures = get(impl_->validation_failures);
  s.leaks_reported = get(impl_->leaks_reported);
  s.read_only_discards = get(impl_->read_only_discards);
  s.acquire_waits = get(impl_->acquire_waits);
  s.acquire_wait_total = std::chrono::nanoseconds(get(impl_->wait_total_ns));
  s.acquire_wait_max = std::chrono::nanoseconds(get(impl_->wait_max_ns));
  for (std::size_t i = 0; i < s.acquire_wait_histogram.size(); ++i) s.acquire_wait_histogram[i] = get(impl_->histogram[i]);
  return s;
}

void Pool::close(Millis deadline) {
  {
    std::lock_guard lk(impl_->stop_mu);
    if (impl_->closed_once) return;
    impl_->closed_once = true;
  }
  for (PoolEntry* e : impl_->core.close()) close_entry(e);
  auto until = Clock::now() + deadline;
  while (impl_->core.counts().total > 0 && Clock::now() < until)
    std::this_thread::sleep_for(Millis{5});
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
