// The generic pool under pgkit::Pool, with int resources: no database involved.
#include "pool/resource_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <initializer_list>
#include <thread>
#include <vector>

using pgkit::detail::ResourcePool;
using Got = ResourcePool<int>::Got;
using namespace std::chrono_literals;

namespace {
auto in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }
// Takes a slot for each resource and hands it in as created: all of them in use.
void create(ResourcePool<int>& pool, std::initializer_list<int*> resources) {
  for (int* r : resources) {
    ASSERT_EQ(pool.try_acquire().got, Got::create);
    pool.created(r);
  }
}
}  // namespace

TEST(ResourcePool, CreatesUpToMaxThenMakesCallersWait) {
  ResourcePool<int> pool(2);
  int a = 1, b = 2;
  EXPECT_EQ(pool.try_acquire().got, Got::create);
  pool.created(&a);
  EXPECT_EQ(pool.try_acquire().got, Got::create);
  pool.created(&b);
  EXPECT_EQ(pool.try_acquire().got, Got::wait);
  EXPECT_EQ(pool.counts().total, 2);
  EXPECT_EQ(pool.counts().in_use(), 2);
}

TEST(ResourcePool, ReleasedResourceIsReusedMostRecentFirst) {
  ResourcePool<int> pool(3);
  int a = 1, b = 2;
  create(pool, {&a, &b});
  pool.release(&a);
  pool.release(&b);
  auto got = pool.try_acquire();
  ASSERT_EQ(got.got, Got::resource);
  EXPECT_EQ(got.resource, &b);
}

TEST(ResourcePool, AcquireTimesOutWhenNothingIsReleased) {
  ResourcePool<int> pool(1);
  int a = 1;
  pool.try_acquire();
  pool.created(&a);
  auto got = pool.acquire(in(30ms));
  EXPECT_EQ(got.got, Got::timeout);
  EXPECT_EQ(pool.counts().waiting, 0);
}

TEST(ResourcePool, WaitersAreServedInArrivalOrder) {
  ResourcePool<int> pool(1);
  int a = 1;
  pool.try_acquire();
  pool.created(&a);
  std::vector<int> order;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto got = pool.acquire(in(5s));
      ASSERT_EQ(got.got, Got::resource);
      {
        std::lock_guard lk(mu);
        order.push_back(i);
      }
      pool.release(got.resource);
    });
    // Let thread i queue before thread i+1 starts.
    while (pool.counts().waiting < i + 1) std::this_thread::yield();
  }
  pool.release(&a);
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(ResourcePool, DestroyingAResourceLetsAWaiterCreateOne) {
  ResourcePool<int> pool(1);
  int a = 1;
  pool.try_acquire();
  pool.created(&a);
  std::thread waiter([&] { EXPECT_EQ(pool.acquire(in(5s)).got, Got::create); });
  while (pool.counts().waiting < 1) std::this_thread::yield();
  pool.destroy(&a);
  waiter.join();
  EXPECT_EQ(pool.counts().creating, 1);
}

TEST(ResourcePool, FailedCreationPassesTheSlotOn) {
  ResourcePool<int> pool(1);
  ASSERT_EQ(pool.try_acquire().got, Got::create);
  std::thread waiter([&] { EXPECT_EQ(pool.acquire(in(5s)).got, Got::create); });
  while (pool.counts().waiting < 1) std::this_thread::yield();
  pool.create_failed();
  waiter.join();
  EXPECT_EQ(pool.counts().total, 1);
}

TEST(ResourcePool, CloseWakesWaitersAndReturnsIdle) {
  ResourcePool<int> pool(2);
  int a = 1, b = 2;
  create(pool, {&a, &b});
  pool.release(&a);
  ASSERT_EQ(pool.try_acquire().got, Got::resource);  // takes a again; b still out
  std::thread waiter([&] { EXPECT_EQ(pool.acquire(in(5s)).got, Got::closed); });
  while (pool.counts().waiting < 1) std::this_thread::yield();
  EXPECT_TRUE(pool.close().empty());
  waiter.join();
  EXPECT_FALSE(pool.release(&b));  // closed: the caller destroys it
  EXPECT_EQ(pool.try_acquire().got, Got::closed);
}

TEST(ResourcePool, EvictIdleKeepsTheMinimum) {
  ResourcePool<int> pool(4);
  int r[4] = {0, 1, 2, 3};
  for (auto& x : r) {
    pool.try_acquire();
    pool.created(&x);
  }
  for (auto& x : r) pool.release(&x);
  auto out = pool.evict_idle([](int*) { return true; }, 2);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], &r[0]);  // oldest idle first
  EXPECT_EQ(pool.counts().total, 2);
}

TEST(ResourcePool, ReserveToFillsUpToMinNeverPastMax) {
  ResourcePool<int> pool(3);
  EXPECT_EQ(pool.reserve_to(5), 3);
  EXPECT_EQ(pool.reserve_to(5), 0);
  EXPECT_EQ(pool.counts().creating, 3);
}

TEST(ResourcePool, ManyThreadsNeverExceedMax) {
  ResourcePool<int> pool(3);
  std::vector<int> storage(3);
  std::atomic<int> next{0}, in_use{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto got = pool.acquire(in(10s));
        int* r = got.resource;
        if (got.got == Got::create) {
          r = &storage[next++];
          pool.created(r);
        }
        ASSERT_NE(r, nullptr);
        int now = ++in_use;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {}
        --in_use;
        pool.release(r);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 3);
  EXPECT_LE(pool.counts().total, 3);
  EXPECT_EQ(pool.counts().in_use(), 0);
}
