#pragma once
// The audit log: every admin change, written in the same transaction as the change.
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/http.hpp"

namespace pgkit::server {

namespace db {
class AsyncClient;
}

/// One audit_log row: actor_id did action to the target_type row target_id; before and after
/// are the row as the API writes it (JSON text; no after for a delete).
boost::asio::awaitable<void> audit(db::AsyncClient& tx, const http::Request& req, const std::string& actor_id,
                                   const char* action, const char* target_type, const std::string& target_id,
                                   std::string_view before, std::optional<std::string_view> after);

}  // namespace pgkit::server
