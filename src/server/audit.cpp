#include "server/audit.hpp"

#include <boost/json/parse.hpp>

#include "pgkit/server/db/async_client.hpp"

namespace pgkit::server {

boost::asio::awaitable<void> audit(db::AsyncClient& tx, const http::Request& req, const std::string& actor_id,
                                   const char* action, const char* target_type, const std::string& target_id,
                                   std::string_view before, std::optional<std::string_view> after) {
  db::AuditLogCreate entry{.actorId = actor_id,
                           .action = std::string(action),
                           .targetType = std::string(target_type),
                           .targetId = target_id,
                           .before = boost::json::parse(before),
                           .after = after ? std::optional(boost::json::parse(*after)) : std::nullopt,
                           .requestId = req.request_id};
  // Made before it is awaited: g++ 12 destroys an aggregate temporary inside a co_await
  // expression twice (docs/client.md).
  auto call = tx.audit_log.create({.data = std::move(entry)});
  co_await std::move(call);
}

}  // namespace pgkit::server
