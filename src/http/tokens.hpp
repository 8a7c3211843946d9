#pragma once
// Opaque tokens (pgkit-server's magic links and sessions, the studio's sign-in link and
// sessions): 256 random bits, base64url. Only their SHA-256 is kept, so a copy of what is
// stored signs nobody in.
#include <string>
#include <string_view>

namespace pgkit::http {

/// 32 bytes from OpenSSL's CSPRNG, base64url without padding (43 characters).
std::string random_token();
/// Lower-case hex SHA-256, as stored in the *_hash columns.
std::string sha256_hex(std::string_view text);
/// Whether text could be a token random_token() made (cheap check before hashing and a query).
bool looks_like_token(std::string_view text);

}  // namespace pgkit::http
