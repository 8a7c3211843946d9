// Routing by intent: read-only work to a healthy replica (round-robin), falling back to the
// primary; writes and read-write transactions to the primary; read-your-writes pinning.
#include "pgkit/cluster.hpp"

#include <fmt/format.h>

#include "cluster/cluster_impl.hpp"
#include "pool/pool_impl.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/retry.hpp"

namespace pgkit {

using detail::ClusterNode;

namespace {

// A failure of the node, not of the work: the same read may succeed elsewhere.
bool node_failed(const Error& e) { return is_transient(e); }
// The node is fine but could not take this read now: try another, keep it in rotation.
// 40001 on a standby is a query cancelled by a conflict with recovery.
bool node_busy(const Error& e) { return dynamic_cast<const PoolExhausted*>(&e) || e.sqlstate() == "40001"; }

}  // namespace

Cluster::Cluster(Config config, PoolHooks hooks, RetryPolicy retry) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  const Config& c = impl_->config;
  auto add = [&](NodeStatus::Role role, Config node_config) {
    auto node = std::make_unique<ClusterNode>();
    node->role = role;
    node->status.role = role;
    node->status.url = node_config.masked();
    node->status.in_rotation = role == NodeStatus::Role::primary;
    node->status.reason = role == NodeStatus::Role::primary ? "" : "not checked yet";
    node->pool = std::make_unique<Pool>(node_config, hooks, retry);
    node->config = std::move(node_config);
    impl_->nodes.push_back(std::move(node));
  };
  add(NodeStatus::Role::primary, c);
  impl_->nodes[0]->config.replicas.nodes.clear();  // the primary's own copy needs no replica list
  for (std::size_t i = 0; i < c.replicas.nodes.size(); ++i) add(NodeStatus::Role::replica, c.replica(i));
  if (impl_->replicas() > 0) impl_->monitor = std::thread([impl = impl_.get()] { impl->monitor_loop(); });
}

Cluster::~Cluster() { close(); }

Pool& Cluster::primary() { return *impl_->primary().pool; }
std::size_t Cluster::replica_count() const { return impl_->replicas(); }

bool Cluster::Impl::pinned(std::string_view caller) {
  if (caller.empty() || config.replicas.read_your_writes.count() <= 0) return false;
  std::lock_guard lk(mu);
  auto it = pinned_until.find(std::string(caller));
  if (it == pinned_until.end()) return false;
  if (Clock::now() < it->second) return true;
  pinned_until.erase(it);
  return false;
}

void Cluster::wrote(std::string_view caller) {
  const Millis window = impl_->config.replicas.read_your_writes;
  if (caller.empty() || window.count() <= 0 || impl_->replicas() == 0) return;
  std::lock_guard lk(impl_->mu);
  auto now = Clock::now();
  // Forget expired callers now and then, so the map holds only the recent writers.
  if (impl_->pinned_until.size() > 1024) std::erase_if(impl_->pinned_until, [&](auto& kv) { return kv.second <= now; });
  impl_->pinned_until[std::string(caller)] = now + window;
}

Pool& Cluster::writer(const Route& route, std::source_location where) {
  if (route.target == Target::replica) {
    throw UsageError({.message = "a write was sent to a replica; replicas take read-only work",
                      .hint = "use Target::by_intent or Target::primary for writes, or read() for reads"},
                     where);
  }
  return primary();
}

bool Cluster::try_replicas(const Route& route, const std::function<void(Connection&)>& work, const char* what) {
  const std::size_t n = impl_->replicas();
  if (n == 0 || route.target == Target::primary || impl_->pinned(route.caller)) return false;
  const std::size_t start = impl_->next_replica.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    ClusterNode& node = *impl_->nodes[1 + (start + i) % n];
    if (!node.in_rotation.load(std::memory_order_relaxed)) continue;
    PooledConnection conn;
    try {
      // No waiting for a replica that is down: its reads move on at once.
      Pool& pool = *node.pool;
      conn = PoolAccess::impl(pool).acquire_within(pool.config().pool.acquire_timeout, std::source_location::current(),
                                                   false);
    } catch (const PoolExhausted&) {
      continue;  // busy, not broken: the next node takes this one
    } catch (const Error& e) {
      // Whatever kept us from connecting (down, refused credentials, a certificate) is the
      // node's problem, never the caller's: it leaves the rotation until a check passes.
      impl_->take_out(node, fmt::format("{} could not connect: {}", what, e.message()));
      continue;
    }
    try {
      work(*conn);
      return true;
    } catch (const Error& e) {
      if (node_failed(e))
        impl_->take_out(node, fmt::format("{} failed: {}", what, e.message()));
      else if (!node_busy(e))
        throw;  // the work's own error: the same on every node
    }
  }
  std::lock_guard lk(impl_->mu);
  if (Clock::now() - impl_->last_fallback_warning > std::chrono::seconds(10)) {
    log().warn("no replica could take read-only work (none in rotation, or all busy): it goes to the primary");
    impl_->last_fallback_warning = Clock::now();
  }
  return false;
}

Pool& Cluster::reader(const Route& route) {
  const std::size_t n = impl_->replicas();
  if (n > 0 && route.target != Target::primary && !impl_->pinned(route.caller)) {
    const std::size_t start = impl_->next_replica.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      ClusterNode& node = *impl_->nodes[1 + (start + i) % n];
      if (node.in_rotation.load(std::memory_order_relaxed)) return *node.pool;
    }
  }
  return primary();
}

Result Cluster::run_read(const Route& route, const ReadFn& fn) {
  std::optional<Result> out;
  if (try_replicas(
          route, [&](Connection& c) { out.emplace(fn(c, false)); }, "a read"))
    return std::move(*out);
  Pool& pool = primary();
  return pool.with_retry([&] { return fn(*pool.acquire(), true); });
}

void Cluster::run_in_transaction(const std::function<void(Transaction&)>& fn, const TransactionOptions& options,
                                 const Route& route) {
  if (!options.read_only) {
    if (route.target == Target::replica) {
      throw UsageError({.message = "a read-write transaction was requested on a replica",
                        .hint = "pass TransactionOptions{.read_only = true}, or run it on the primary "
                                "(Target::by_intent or Target::primary)"});
    }
    WroteOnExit mark{*this, route.caller};
    primary().transaction(fn, options);
    return;
  }
  // Read only: running it again elsewhere cannot apply anything twice.
  auto on_replica = [&](Connection& c) { run_transaction(c, fn, options, nullptr); };
  if (!try_replicas(route, on_replica, "a read transaction")) primary().transaction(fn, options);
}

void Cluster::Impl::take_out(ClusterNode& node, const std::string& reason) {
  {
    std::lock_guard lk(mu);
    node.status.reachable = false;
  }
  set_rotation(node, false, reason);
}

void Cluster::Impl::set_rotation(ClusterNode& node, bool in, const std::string& reason) {
  bool was;
  {
    std::lock_guard lk(mu);
    was = node.in_rotation.exchange(in);
    node.status.in_rotation = in;
    node.status.reason = in ? "" : reason;
  }
  if (was == in) return;
  if (in) {
    log().info("replica {} rejoined the read rotation", node.status.url);
  } else {
    bool others = false;
    for (std::size_t i = 1; i < nodes.size(); ++i) others |= nodes[i]->in_rotation.load();
    log().warn("replica {} left the read rotation ({}); its reads go to {}", node.status.url, mask_secrets(reason),
               others ? "the other replicas" : "the primary");
  }
}

std::vector<NodeStatus> Cluster::nodes() const {
  std::vector<NodeStatus> out;
  std::lock_guard lk(impl_->mu);
  for (const auto& node : impl_->nodes) {
    NodeStatus s = node->status;
    s.pool = node->pool->stats();
    if (node->role == NodeStatus::Role::primary && impl_->replicas() == 0) s.reachable = node->pool->connected();
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<NodeStatus> Cluster::check_now() {
  impl_->check_all();
  return nodes();
}

void Cluster::close(Millis deadline) {
  {
    std::lock_guard lk(impl_->stop_mu);
    if (impl_->closed_once) return;
    impl_->closed_once = true;
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  if (impl_->monitor.joinable()) impl_->monitor.join();
  {
    std::lock_guard check_lock(impl_->check_mu);  // a check_now() on another thread holds the probes
    for (auto& node : impl_->nodes) node->probe.reset();
  }
  for (auto& node : impl_->nodes) node->pool->close(deadline);
}

}  // namespace pgkit
