// The blocking driver: waits with poll() for what a QueryOp or ConnectOp wants, so that every
// wait has a deadline and a timed-out query is cancelled on the server rather than abandoned.
#include "pgkit/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "connection/cancel.hpp"
#include "connection/connect_op.hpp"
#include "connection/connection_access.hpp"
#include "connection/pipeline_op.hpp"
#include "connection/query_op.hpp"
#include "connection/rerun.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"

namespace pgkit {
namespace {

using detail::Want;

// Waits for the socket; false when the deadline passed first.
bool wait_socket(int fd, Want want, std::optional<Clock::time_point> deadline) {
  short events = want == Want::write ? POLLOUT : want == Want::read_or_write ? POLLIN | POLLOUT : POLLIN;
  pollfd p{fd, events, 0};
  for (;;) {
    int ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<Millis>(*deadline - Clock::now()).count();
      if (left <= 0) return false;
      ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    int rc = ::poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let libpq report the socket's error
  }
}

template <class Op>
auto drive(Op& op, Connection& conn, std::optional<Millis> timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  for (Want w = op.start(); w != Want::done;) {
    if (wait_socket(PQsocket(conn.native_handle()), w, deadline)) {
      w = op.resume();
    } else {
      // PQcancel connects and waits for the server with no bound of its own: on a link that
      // drops packets it would hold the caller far past its deadline. Sent from a thread, the
      // wait below stays bounded by the cancel grace.
      deadline = Clock::now() + op.deadline_passed(detail::CancelMode::background_thread);
    }
  }
  return op.finish();
}

// 64 random bits per connection: no two clients of one pooler (of any process or host) share a
// statement name.
std::string random_statement_prefix() {
  std::random_device rd;
  std::uint64_t bits = (std::uint64_t{rd()} << 32) | rd();
  return fmt::format("pgkit_{:016x}_", bits);
}

}  // namespace

Connection::Connection(const Config& config) : Connection(config, Clock::now() + config.pool.connect_timeout) {}

Connection::Connection(const Config& config, Clock::time_point deadline) : Connection(std::make_unique<Impl>(config)) {
  detail::ConnectOp op(*this, config);
  for (Want w = op.start(); w != Want::done;) {
    // libpq may move to another socket (next host, SSL retry): ask for it every round.
    if (!wait_socket(PQsocket(impl_->pg), w, deadline)) op.deadline_passed();
    w = op.resume();
  }
  // Timestamps are parsed from DateStyle ISO output; a server configured otherwise is told.
  if (op.needs_datestyle()) execute("SET DateStyle TO ISO");
  // Prisma's `?schema=`: the session's schema, for a connection of its own (a migrator's) as for
  // the pool's. A transaction pooler keeps no session state: the pool warns of that instead.
  if (config.search_path && !config.pool.pgbouncer)
    query(QueryOptions{.prepare = false}, "SELECT pg_catalog.set_config('search_path', $1, false)",
          *config.search_path);
}

Connection::Impl::Impl(const Config& config)
    : display_url(config.masked()),
      slow_query(config.pool.slow_query),
      log_queries(config.pool.log_queries),
      cancel_grace(std::max<Millis>(config.pool.connect_timeout, Millis{1000})),
      named_statements(!config.pool.pgbouncer),
      statement_prefix(random_statement_prefix()) {}

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Connection::~Connection() { close(); }

Result Connection::run(const QueryOptions& options, Sql sql, const Params& params) {
  const bool named = options.prepare && impl_->named_statements;
  try {
    detail::QueryOp op(*this, sql, &params, named);
    return drive(op, *this, options.timeout);
  } catch (const Error& e) {
    // A named statement that did not run: its cached plan went stale (DDL) — prepare it again —
    // or a pooler does not keep named statements — run it unnamed. Once, and only outside a
    // transaction, which the error has already aborted: the caller retries the whole.
    if (!named) throw;
    const std::string key(sql.text);
    const detail::Rerun rerun = detail::after_named_failure(*this, e, &key);
    if (rerun == detail::Rerun::no) throw;
    detail::QueryOp again(*this, sql, &params, rerun == detail::Rerun::named);
    return drive(again, *this, options.timeout);
  }
}

std::vector<Result> Connection::pipeline(const Pipeline& batch, const QueryOptions& options) {
  const bool named = options.prepare && impl_->named_statements;
  try {
    detail::PipelineOp op(*this, batch, named);
    return drive(op, *this, options.timeout);
  } catch (const Error& e) {
    // The batch is one implicit transaction (unless it commits inside itself: rerun_is_safe), so
    // a failure left nothing of it behind.
    if (!named || detail::after_named_failure(*this, e, nullptr) != detail::Rerun::unnamed ||
        !detail::rerun_is_safe(batch, e))
      throw;
    detail::PipelineOp again(*this, batch, false);
    return drive(again, *this, options.timeout);
  }
}

Result Connection::execute(Sql sql, const QueryOptions& options) {
  detail::QueryOp op(*this, sql, nullptr, false);
  return drive(op, *this, options.timeout);
}

void Connection::close() noexcept {
  impl_->socket_watcher.reset();  // the Asio watcher lets go of the socket before libpq closes it
  if (impl_->pg) PQfinish(impl_->pg);
  impl_->pg = nullptr;
  impl_->broken = true;
  impl_->statements.clear();
}

bool Connection::broken() const noexcept { return impl_->broken || !impl_->pg || PQstatus(impl_->pg) != CONNECTION_OK; }

TxStatus Connection::transaction_status() const noexcept {
  if (!impl_->pg) return TxStatus::unknown;
  switch (PQtransactionStatus(impl_->pg)) {
    case PQTRANS_IDLE: return TxStatus::idle;
    case PQTRANS_ACTIVE: return TxStatus::active;
    case PQTRANS_INTRANS: return TxStatus::in_transaction;
    case PQTRANS_INERROR: return TxStatus::failed;
    default: return TxStatus::unknown;
  }
}

int Connection::backend_pid() const noexcept { return impl_->pg ? PQbackendPID(impl_->pg) : 0; }
int Connection::server_version() const noexcept { return impl_->pg ? PQserverVersion(impl_->pg) : 0; }
std::string Connection::parameter_status(const char* name) const {
  const char* v = impl_->pg ? PQparameterStatus(impl_->pg, name) : nullptr;
  return v ? v : "";
}
bool Connection::ssl_in_use() const noexcept { return impl_->pg && PQsslInUse(impl_->pg); }
std::string Connection::ssl_attribute(const char* name) const {
  const char* v = impl_->pg ? PQsslAttribute(impl_->pg, name) : nullptr;
  return v ? v : "";
}
const std::string& Connection::display_url() const noexcept { return impl_->display_url; }
pg_conn* Connection::native_handle() const noexcept { return impl_->pg; }

std::size_t Connection::cached_statements() const noexcept { return impl_->statements.size(); }
void Connection::clear_statement_cache() noexcept { impl_->statements.clear(); }

bool Connection::named_statements() const noexcept { return impl_->named_statements; }
void Connection::use_named_statements(bool on) noexcept {
  impl_->named_statements = on;
  if (!on) impl_->statements.clear();
}

bool Connection::cancel() noexcept { return detail::send_cancel(impl_->pg, detail::CancelMode::inline_call); }

bool Connection::ping(Millis timeout) noexcept {
  try {
    detail::QueryOp op(*this, "", nullptr, false);
    const auto deadline = Clock::now() + timeout;
    for (Want w = op.start(); w != Want::done;) {
      if (!wait_socket(PQsocket(impl_->pg), w, deadline)) {
        // No answer to an empty query: the link or the server is gone. A cancel would wait as
        // long again for nothing; the caller wants a verdict within timeout.
        close();
        return false;
      }
      w = op.resume();
    }
    op.finish();
    return true;
  } catch (...) {
    return false;
  }
}

std::vector<bool> Connection::ping_all(const std::vector<Connection*>& connections, Millis timeout) noexcept {
  std::vector<bool> alive(connections.size(), false);
  struct Pending {
    std::size_t index;
    std::unique_ptr<detail::QueryOp> op;
    Want want;
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    try {
      auto op = std::make_unique<detail::QueryOp>(*connections[i], "", nullptr, false);
      Want w = op->start();
      if (w == Want::done) {
        op->finish();
        alive[i] = true;
      } else {
        pending.push_back({i, std::move(op), w});
      }
    } catch (...) {  // broken already: dead
    }
  }
  const auto deadline = Clock::now() + timeout;
  std::vector<pollfd> fds;
  while (!pending.empty()) {
    auto left = std::chrono::ceil<Millis>(deadline - Clock::now()).count();
    if (left <= 0) break;
    fds.clear();
    for (const auto& p : pending) {
      short events = p.want == Want::write ? POLLOUT : p.want == Want::read_or_write ? POLLIN | POLLOUT : POLLIN;
      fds.push_back({PQsocket(connections[p.index]->impl_->pg), events, 0});
    }
    int rc = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (rc == 0) break;
    if (rc < 0 && errno == EINTR) continue;
    for (std::size_t k = pending.size(); k-- > 0;) {
      if (rc > 0 && fds[k].revents == 0) continue;  // (rc < 0: let libpq report the socket's error)
      Pending& p = pending[k];
      bool finished = true;
      try {
        p.want = p.op->resume();
        if (p.want == Want::done) {
          p.op->finish();
          alive[p.index] = true;
        } else {
          finished = false;
        }
      } catch (...) {}
      if (finished) pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  // No answer within timeout: as ping() does, closed without a cancel that would wait as long.
  for (const auto& p : pending) connections[p.index]->close();
  return alive;
}

std::string ConnectionAccess::next_statement_name(Connection& c) {
  return fmt::format("{}{}", c.impl_->statement_prefix, c.impl_->next_statement++);
}

void ConnectionAccess::log_query(const Connection& c, Sql sql, Clock::time_point started) {
  const Connection::Impl& s = *c.impl_;
  if (!s.log_queries && s.slow_query.count() <= 0) return;
  auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  // Only the statement text is logged: parameters may hold personal data or secrets.
  if (s.slow_query.count() > 0 && ms >= static_cast<double>(s.slow_query.count()))
    log().warn("slow query ({:.1f} ms, over DB_SLOW_QUERY_MS={}): {}", ms, s.slow_query.count(),
               mask_secrets(std::string(sql.text)));
  else if (s.log_queries)
    log().info("query ({:.3f} ms): {}", ms, mask_secrets(std::string(sql.text)));
}

}  // namespace pgkit
