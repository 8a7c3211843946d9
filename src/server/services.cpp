#include "server/services.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/chrono.h>

#include "pgkit/error.hpp"
#include "server/http.hpp"

namespace pgkit::server {

namespace asio = boost::asio;

AsyncPool Services::db() {
  if (!database.configured())
    throw HttpError(503, "database_not_configured",
                    "this route needs the database, and none is configured: set DATABASE_URL (or DB_*/POSTGRES_*) "
                    "and restart");
  return AsyncPool(database.pool());
}

namespace {
asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled: a value, not a throw
}

// work's result, or nullopt when it failed: a race's branch must not fail, or the race would
// wait for the timer (which never fails) and lose the error.
asio::awaitable<std::optional<Result>> settled(asio::awaitable<Result> work) {
  try {
    co_return co_await std::move(work);
  } catch (const Error&) {
    co_return std::nullopt;
  }
}

}  // namespace

asio::awaitable<std::optional<Result>> with_deadline(asio::awaitable<Result> work, std::chrono::milliseconds deadline) {
  using namespace asio::experimental::awaitable_operators;
  auto timer = sleep_for(deadline);
  auto first = co_await (settled(std::move(work)) || std::move(timer));
  if (first.index() == 0) co_return std::move(std::get<0>(first));
  co_return std::nullopt;
}

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

}  // namespace pgkit::server
