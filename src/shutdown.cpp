#include "pgkit/shutdown.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

namespace pgkit {
namespace {

sigset_t shutdown_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

}  // namespace

static_assert(sizeof(sigset_t) <= sizeof(unsigned long long[16]));

ShutdownSignals::ShutdownSignals() {
  sigset_t s = shutdown_set(), old;
  pthread_sigmask(SIG_BLOCK, &s, &old);
  std::memcpy(previous_mask_, &old, sizeof old);
}

ShutdownSignals::~ShutdownSignals() {
  sigset_t old;
  std::memcpy(&old, previous_mask_, sizeof old);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

int ShutdownSignals::wait_for(Millis timeout) {
  sigset_t s = shutdown_set();
  timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1'000'000};
  for (;;) {
    int sig = sigtimedwait(&s, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) return 0;
    // EINTR: another signal's handler ran; wait again (a slightly longer wait is harmless).
  }
}

}  // namespace pgkit
