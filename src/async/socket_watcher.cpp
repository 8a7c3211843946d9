// Socket watchers that outlive a lease but not their io_context.
//
// A watcher is registered with one io_context's reactor, and a pool usually outlives the
// io_contexts that borrow from it. So each io_context gets a WatcherRegistry service that
// closes its watchers when the io_context shuts down. Asio shuts services down newest first,
// and the registry is always created after the reactor (a descriptor is made before the
// registry is looked up), so the watchers are closed while the reactor still exists.
#include "async/socket_watcher.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <unordered_set>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>

#include "connection/connection_access.hpp"

namespace pgkit::detail {
namespace {

using Descriptor = asio::posix::stream_descriptor;

// What a registry shares with its watchers: a watcher may be destroyed after its io_context.
struct Watchers {
  std::mutex mutex;
  std::unordered_set<SocketWatcher*> live;
  bool open = true;
};

class WatcherRegistry : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  explicit WatcherRegistry(asio::execution_context& ctx) : service(ctx) {}
  const std::shared_ptr<Watchers> watchers = std::make_shared<Watchers>();

 private:
  void shutdown() override;
};

// libpq may close its socket (next host, SSL retry) and get the same number back for a new
// one while connecting: the inode tells the sockets apart.
ino_t inode_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

}  // namespace

// Asio watches a dup() of libpq's descriptor: libpq closes its own when a connection breaks,
// and the number could be reused at once by another socket — the duplicate keeps ours
// distinct until we close it.
struct SocketWatcher {
  SocketWatcher(Descriptor d, asio::execution_context& ctx, int fd, bool connecting)
      : descriptor(std::move(d)), context(&ctx), fd(fd), inode(connecting ? inode_of(fd) : 0) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) throw std::system_error(errno, std::generic_category(), "dup of the connection's socket");
    descriptor->assign(copy);
    auto& registry = asio::use_service<WatcherRegistry>(ctx);
    watchers = registry.watchers;
    std::lock_guard lock(watchers->mutex);
    if (!watchers->open) throw std::logic_error("query on an io_context that was shut down");
    watchers->live.insert(this);
  }
  SocketWatcher(const SocketWatcher&) = delete;
  SocketWatcher& operator=(const SocketWatcher&) = delete;
  ~SocketWatcher() {
    if (!watchers) return;  // the constructor failed before registering
    std::lock_guard lock(watchers->mutex);
    if (!watchers->open) return;  // closed by the registry's shutdown
    watchers->live.erase(this);
    descriptor.reset();  // deregisters from the reactor, closes the duplicate
  }
  bool usable(asio::execution_context& ctx, int current_fd, bool connecting) const {
    return context == &ctx && fd == current_fd && !closed.load(std::memory_order_acquire) &&
           !(connecting && inode != inode_of(current_fd));
  }

  std::optional<Descriptor> descriptor;  // empty once the io_context shut down
  asio::execution_context* context;
  int fd;       // libpq's
  ino_t inode;  // of fd, read only while connecting (it costs a syscall)
  std::atomic<bool> closed{false};
  std::shared_ptr<Watchers> watchers;
};

namespace {

void WatcherRegistry::shutdown() {
  std::lock_guard lock(watchers->mutex);
  watchers->open = false;
  for (SocketWatcher* w : watchers->live) {
    w->closed.store(true, std::memory_order_release);
    w->descriptor.reset();
  }
  watchers->live.clear();
}

}  // namespace

Descriptor& socket_watcher(Connection& conn, const asio::any_io_executor& ex, bool connecting) {
  int fd = PQsocket(ConnectionAccess::pg(conn));
  auto& ctx = asio::query(ex, asio::execution::context);
  auto& state = ConnectionAccess::socket_watcher(conn);
  SocketWatcher* w = state.get();
  if (w && w->usable(ctx, fd, connecting)) return *w->descriptor;
  state.reset();
  // The descriptor is made before the registry is looked up: see the top of this file.
  auto fresh = std::make_shared<SocketWatcher>(Descriptor(ex), ctx, fd, connecting);
  w = fresh.get();
  state = std::move(fresh);
  return *w->descriptor;
}

}  // namespace pgkit::detail
