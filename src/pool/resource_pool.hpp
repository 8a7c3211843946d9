#pragma once
// A generic bounded pool of T*: idle stack, FIFO waiters with direct hand-off, and slots for
// creating resources outside the lock. It knows nothing of PostgreSQL (unit-tested with int);
// the PostgreSQL rules (validation, lifetime, hooks) live in pool.cpp on top of it.
//
// Waiters are intrusive nodes with a wake() hook, so a blocking waiter (a condition variable)
// and, later, an asynchronous one (an executor post) share one queue and one fairness rule.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace pgkit::detail {

template <class T>
class ResourcePool {
 public:
  /// A caller waiting in line. Exactly one of granted / may_create / closed ends the wait.
  struct Waiter {
    Waiter* next = nullptr;
    Waiter* prev = nullptr;
    T* granted = nullptr;     ///< a resource handed over directly
    bool may_create = false;  ///< a slot to create a resource was handed over
    bool closed = false;      ///< the pool closed while waiting
    bool queued = false;
    /// Called with the pool mutex held: must not block or call back into the pool.
    virtual void wake() = 0;
    virtual ~Waiter() = default;
    bool done() const { return granted || may_create || closed; }
  };

  enum class Got { resource, create, wait, closed, timeout };
  struct Attempt {
    Got got;
    T* resource = nullptr;
  };

  struct Counts {
    int total = 0;  ///< open resources plus slots being created
    int idle = 0;
    int creating = 0;
    int waiting = 0;
    int in_use() const { return total - idle - creating; }
  };

  explicit ResourcePool(int max) : max_(max) {}

  /// Take an idle resource, else a slot to create one, else queue w (when given) to wait.
  Attempt try_acquire(Waiter* w = nullptr) {
    std::lock_guard lk(mu_);
    return try_acquire_locked(w);
  }

  /// try_acquire, then wait in line until deadline for a hand-over.
  Attempt acquire(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lk(mu_);
    BlockingWaiter w;
    Attempt a = try_acquire_locked(&w);
    if (a.got != Got::wait) return a;
    while (!w.done()) {
      if (w.cv.wait_until(lk, deadline) == std::cv_status::timeout && !w.done()) {
        unlink(&w);
        return {Got::timeout};
      }
    }
    return outcome(w);
  }

  /// Leave the line. False when a hand-over already happened: the caller then owns
  /// w.granted (release it) or w.may_create (call create_failed or created).
  bool cancel(Waiter* w) {
    std::lock_guard lk(mu_);
    if (!w->queued) return false;
    unlink(w);
    return true;
  }

  /// A create slot produced r: it is now open and in use by the creator.
  void created(T* r) {
    std::lock_guard lk(mu_);
    --creating_;
    all_.push_back(r);
  }
  /// A create slot produced r for the idle stack (warming up to min). False when the pool
  /// closed meanwhile: the caller must destroy r.
  bool created_idle(T* r) {
    std::lock_guard lk(mu_);
    --creating_;
    if (closed_) {
      --total_;
      return false;
    }
    all_.push_back(r);
    put_back_locked(r);
    return true;
  }
  /// A create slot failed: give the slot to the next waiter, if any.
  void create_failed() {
    std::lock_guard lk(mu_);
    --creating_;
    --total_;
    pass_slot_locked();
  }

  /// Return r: handed to the first waiter, else onto the idle stack. False when the pool is
  /// closed: the caller must destroy r.
  bool release(T* r) {
    std::lock_guard lk(mu_);
    if (closed_) {
      remove_locked(r);
      return false;
    }
    put_back_locked(r);
    return true;
  }

  /// Forget r (the caller closes it outside the lock); its slot goes to a waiter.
  void destroy(T* r) {
    std::lock_guard lk(mu_);
    remove_locked(r);
    pass_slot_locked();
  }

  /// Take idle resources for which pred(r) holds out of the idle stack, as acquire would (they
  /// count as in use). The caller gives each back with release() or destroy().
  template <class Pred>
  std::vector<T*> borrow_idle(Pred pred) {
    std::lock_guard lk(mu_);
    std::vector<T*> out;
    if (closed_) return out;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (pred(*it)) {
        out.push_back(*it);
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  /// Remove idle resources for which pred(r) holds, oldest idle first, while more than
  /// keep remain open. The caller destroys what is returned.
  template <class Pred>
  std::vector<T*> evict_idle(Pred pred, int keep) {
    std::lock_guard lk(mu_);
    std::vector<T*> out;
    for (auto it = idle_.begin(); it != idle_.end() && total_ > keep;) {
      if (pred(*it)) {
        out.push_back(*it);
        all_.erase(std::find(all_.begin(), all_.end(), *it));
        --total_;
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  /// Reserve create slots to bring the pool up to min (never past max). Returns how many.
  int reserve_to(int min) {
    std::lock_guard lk(mu_);
    if (closed_) return 0;
    int n = std::max(0, std::min(min, max_) - total_);
    total_ += n;
    creating_ += n;
    return n;
  }

  /// Stop: wake every waiter with closed, return the idle resources for the caller to destroy.
  std::vector<T*> close() {
    std::lock_guard lk(mu_);
    closed_ = true;
    while (head_) {
      Waiter* w = head_;
      unlink(w);
      w->closed = true;
      w->wake();
    }
    std::vector<T*> out(idle_.begin(), idle_.end());
    for (T* r : out) all_.erase(std::find(all_.begin(), all_.end(), r));
    total_ -= static_cast<int>(out.size());
    idle_.clear();
    return out;
  }

  /// Call f(r, is_idle) for every open resource, under the lock (f must be quick).
  template <class F>
  void for_each(F f) const {
    std::lock_guard lk(mu_);
    for (T* r : all_) f(r, std::find(idle_.begin(), idle_.end(), r) != idle_.end());
  }

  Counts counts() const {
    std::lock_guard lk(mu_);
    return {total_, static_cast<int>(idle_.size()), creating_, waiting_};
  }
  bool closed() const {
    std::lock_guard lk(mu_);
    return closed_;
  }
  int max() const { return max_; }

 private:
  struct BlockingWaiter : Waiter {
    std::condition_variable cv;
    void wake() override { cv.notify_one(); }
  };

  Attempt try_acquire_locked(Waiter* w) {
    if (closed_) return {Got::closed};
    // Only jump the line when nobody is waiting: waiters are served first come, first served.
    if (!head_ && !idle_.empty()) {
      T* r = idle_.back();  // most recently used: warm, and lets the rest idle out
      idle_.pop_back();
      return {Got::resource, r};
    }
    if (!head_ && total_ < max_) {
      ++total_;
      ++creating_;
      return {Got::create};
    }
    if (w) enqueue(w);
    return {Got::wait};
  }

  static Attempt outcome(const Waiter& w) {
    if (w.granted) return {Got::resource, w.granted};
    if (w.may_create) return {Got::create};
    return {Got::closed};
  }

  // caller must hold mu_
  void put_back_locked(T* r) {
    if (head_) {
      Waiter* w = head_;
      unlink(w);
      w->granted = r;
      w->wake();
    } else {
      idle_.push_back(r);
    }
  }
  // caller must hold mu_
  void remove_locked(T* r) {
    if (auto it = std::find(all_.begin(), all_.end(), r); it != all_.end()) all_.erase(it);
    --total_;
  }
  // caller must hold mu_: a slot freed up; the first waiter may create in it.
  void pass_slot_locked() {
    if (closed_ || !head_ || total_ >= max_) return;
    Waiter* w = head_;
    unlink(w);
    ++total_;
    ++creating_;
    w->may_create = true;
    w->wake();
  }
  // caller must hold mu_
  void enqueue(Waiter* w) {
    w->prev = tail_;
    w->next = nullptr;
    if (tail_)
      tail_->next = w;
    else
      head_ = w;
    tail_ = w;
    w->queued = true;
    ++waiting_;
  }
  // caller must hold mu_
  void unlink(Waiter* w) {
    if (w->prev)
      w->prev->next = w->next;
    else
      head_ = w->next;
    if (w->next)
      w->next->prev = w->prev;
    else
      tail_ = w->prev;
    w->prev = w->next = nullptr;
    w->queued = false;
    --waiting_;
  }

  mutable std::mutex mu_;
  const int max_;
  int total_ = 0;
  int creating_ = 0;
  int waiting_ = 0;
  bool closed_ = false;
  std::vector<T*> idle_;
  std::vector<T*> all_;
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace pgkit::detail
