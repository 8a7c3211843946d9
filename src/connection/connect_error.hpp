#pragma once
// A failed connection attempt as the error a caller can act on. libpq gives no SQLSTATE for it,
// only text: the cases callers act on (credentials, TLS, capacity, a server not ready) are
// recognized in that text, and each gets a hint that says what to change.
#include <string>

#include "pgkit/config.hpp"

namespace pgkit::detail {

/// Throws TlsRefused, AuthenticationFailed, TooManyConnections or CannotConnect for libpq's
/// message about connecting to display_url with config.
[[noreturn]] void throw_connect_error(const std::string& display_url, const std::string& message, const Config& config);

}  // namespace pgkit::detail
