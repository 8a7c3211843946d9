#include "connection/cancel.hpp"

#include <atomic>
#include <thread>

#include "connection/connection_access.hpp"

namespace pgkit::detail {
namespace {

// Cancel requests in flight on threads of their own, across the process.
struct CancelThreads {
  static constexpr int kMax = 64;
  static inline std::atomic<int> live{0};
  static bool enter() noexcept {
    if (live.fetch_add(1, std::memory_order_relaxed) < kMax) return true;
    live.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  static void leave() noexcept { live.fetch_sub(1, std::memory_order_relaxed); }
};

// Runs job on a thread of its own; false, with job not run, when no thread may be had.
template <class Job>
bool run_on_cancel_thread(Job job) noexcept {
  if (!CancelThreads::enter()) return false;
  try {
    std::thread([job] {
      job();
      CancelThreads::leave();
    }).detach();  // PQcancel connects and waits: never on an io thread
    return true;
  } catch (...) {
    CancelThreads::leave();
    return false;
  }
}

}  // namespace

bool send_cancel(PGconn* pg, CancelMode mode) noexcept {
  if (!pg) return false;
  PGcancel* c = PQgetCancel(pg);
  if (!c) return false;
  auto run = [c] {
    char err[256];
    bool ok = PQcancel(c, err, sizeof err) == 1;
    PQfreeCancel(c);
    return ok;
  };
  if (mode == CancelMode::inline_call) return run();
  // On a link that drops packets each thread waits out the kernel's TCP timeout: cap them, and
  // past the cap leave the query to its grace period (the caller then closes the connection).
  if (run_on_cancel_thread(run)) return true;
  PQfreeCancel(c);
  return false;
}

void cancel_then_close(Connection& conn) noexcept {
  PGconn* pg = ConnectionAccess::pg(conn);
  ConnectionAccess::socket_watcher(conn).reset();  // the Asio watcher lets go of its copy of the socket
  ConnectionAccess::pg(conn) = nullptr;            // libpq's connection is the thread's now
  conn.close();                                    // broken, statements forgotten
  if (!pg) return;
  PGcancel* c = PQgetCancel(pg);
  auto run = [pg, c] {
    if (c) {
      char err[256];
      PQcancel(c, err, sizeof err);  // returns once the server (or pooler) has the request
      PQfreeCancel(c);
    }
    PQfinish(pg);
  };
  if (run_on_cancel_thread(run)) return;
  if (c) PQfreeCancel(c);
  PQfinish(pg);  // no thread to spare: close without the cancel rather than block
}

}  // namespace pgkit::detail
