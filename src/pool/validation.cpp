// Checking connections before use: an idle connection's verdict without I/O, a bounded ping
// when it was quiet too long or is suspect, its quiet siblings checked together, and the
// failover rules for a pool that wants a writable server.
#include <algorithm>
#include <vector>

#include "pgkit/error.hpp"
#include "pool/pool_impl.hpp"

namespace pgkit {

using detail::PoolEntry;
using detail::coarse_now;
using detail::ns_of;

// Decides what an idle connection needs before it is handed out. Called without the pool lock.
detail::IdleCheck Pool::Impl::check_idle(PoolEntry* e) const {
  auto now = coarse_now();
  if (now >= e->expires || e->conn->broken()) return detail::IdleCheck::discard;
  if (needs_writable && ns_of(e->created) < drain_before_ns.load(std::memory_order_relaxed))
    return detail::IdleCheck::discard;
  bool idle_long = now - e->last_used > config.pool.validation_window;
  bool suspect = ns_of(e->last_used) < suspect_before_ns.load(std::memory_order_relaxed);
  return idle_long || suspect ? detail::IdleCheck::ping : detail::IdleCheck::ok;
}

void Pool::Impl::validation_failed() noexcept { validation_failures.fetch_add(1, std::memory_order_relaxed); }

bool Pool::Impl::usable(PoolEntry* e, std::optional<Clock::time_point> deadline, Millis timeout) {
  switch (check_idle(e)) {
    case detail::IdleCheck::ok: return true;
    case detail::IdleCheck::discard: return false;
    case detail::IdleCheck::ping: break;
  }
  // A forgotten link swallows the ping without a reset: its bound is the validation timeout
  // (well under a second), within what is left of the acquire's own deadline.
  auto left = deadline ? std::chrono::duration_cast<Millis>(*deadline - Clock::now()) : timeout;
  if (e->conn->ping(std::min(config.pool.validation_timeout, std::max(left, Millis{10})))) {
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
  std::vector<bool> alive = Connection::ping_all(conns, config.pool.validation_timeout);
  for (std::size_t i = 0; i < siblings.size(); ++i) settle_checked(siblings[i], alive[i]);
  return false;
}

std::vector<PoolEntry*> Pool::Impl::borrow_quiet_siblings(const PoolEntry* dead) {
  const auto quiet_since = dead->last_used;
  return core.borrow_idle([&](PoolEntry* e) { return e->last_used <= quiet_since; });
}

void Pool::Impl::settle_checked(PoolEntry* e, bool alive) noexcept {
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
  if (!core.release(e)) close_entry(e);
}

// Servers report both settings whenever they change (PostgreSQL 14+), so a connection learns
// of a promotion or a read-only switch from the next message it reads, without a query.
bool Pool::Impl::turned_read_only(const Connection& c) const noexcept {
  if (!needs_writable || c.broken()) return false;
  return c.parameter_status("in_hot_standby") == "on" || c.parameter_status("default_transaction_read_only") == "on";
}

void Pool::Impl::drain_read_only(const PoolEntry* e) noexcept {
  read_only_discards.fetch_add(1, std::memory_order_relaxed);
  // A connection opened before the last drain is one more of the same old node: discarding it
  // is enough. Draining again would throw away the connections to the new primary opened since.
  if (ns_of(e->created) < drain_before_ns.load(std::memory_order_relaxed)) return;
  drain_before_ns.store(ns_of(Clock::now()), std::memory_order_relaxed);
}

bool Pool::Impl::failed_over_since(std::uint64_t discards_then, const Error& e) const noexcept {
  return needs_writable && e.sqlstate() == "25006" &&
         read_only_discards.load(std::memory_order_relaxed) != discards_then;
}

}  // namespace pgkit
