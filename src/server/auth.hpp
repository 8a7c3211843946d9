#pragma once
// Who is asking: the Bearer access token of a request, checked against the sessions table.
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "http/http.hpp"
#include "server/json_text.hpp"
#include "server/services.hpp"

namespace pgkit::server {

namespace db {
class AsyncClient;
}

struct CurrentUser {
  std::string id;
  bool admin = false;
  std::string json;  ///< user_json()
};

/// The request's user. @throws HttpError 401 for a missing, malformed, unknown, expired or
/// revoked token, or a deleted or deactivated account — one message for all of them.
boost::asio::awaitable<CurrentUser> authenticate(Services& services, const http::Request& request);
/// The user when the request carries a token (checked as above), nullopt when it carries none.
boost::asio::awaitable<std::optional<CurrentUser>> authenticate_if_present(Services& services,
                                                                           const http::Request& request);
/// authenticate(), then 403 unless the user is an admin.
boost::asio::awaitable<CurrentUser> authenticate_admin(Services& services, const http::Request& request);

/// Ends every live session of user_id (reuse of a refresh token, a deactivated or deleted user).
boost::asio::awaitable<void> revoke_sessions(db::AsyncClient& tx, const std::string& user_id);

/// The token of "Authorization: Bearer <token>", "" when the header has none.
std::string bearer_token(const http::Request& request);

}  // namespace pgkit::server
