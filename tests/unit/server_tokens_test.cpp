// Sign-in and session tokens on their own: what random_token() makes, that only their SHA-256 is
// kept, how a presented token is checked against what was kept, and the Bearer header's parsing.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include "server/auth.hpp"
#include "http/tokens.hpp"

using namespace pgkit::server;
namespace http = pgkit::http;
using namespace pgkit::http;

namespace {

bool is_base64url(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

bool is_lower_hex(const std::string& s) { return s.find_first_not_of("0123456789abcdef") == std::string::npos; }

// What the server does with a presented token: the cheap shape check, then its hash looked up
// among the stored ones (here: compared with the one stored).
bool verifies(const std::string& presented, const std::string& stored_hash) {
  return looks_like_token(presented) && sha256_hex(presented) == stored_hash;
}

http::Request with_authorization(std::string header) {
  http::Request r;
  r.authorization = std::move(header);
  return r;
}

}  // namespace

TEST(Tokens, ARandomTokenIs43Base64urlCharactersWithoutPadding) {
  for (int i = 0; i < 100; ++i) {
    std::string token = random_token();
    ASSERT_EQ(token.size(), 43u) << token;  // 256 bits in base64url, unpadded
    for (char c : token) EXPECT_TRUE(is_base64url(c)) << token;
    EXPECT_TRUE(looks_like_token(token)) << token;
  }
}

TEST(Tokens, RandomTokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) seen.insert(random_token());
  EXPECT_EQ(seen.size(), 10'000u);
}

TEST(Tokens, EveryBase64urlCharacterTurnsUp) {
  // A token maker that drew from a smaller alphabet (no '-' or '_', say) would be weaker.
  std::set<char> seen;
  for (int i = 0; i < 1'000; ++i)
    for (char c : random_token()) seen.insert(c);
  EXPECT_EQ(seen.size(), 64u);
}

TEST(Tokens, TheStoredFormIsTheSha256) {
  // Known answers (FIPS 180-2): the stored hash is SHA-256, in lower-case hex.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string token = random_token();
  std::string stored = sha256_hex(token);
  EXPECT_EQ(stored.size(), 64u);
  EXPECT_TRUE(is_lower_hex(stored)) << stored;
  EXPECT_EQ(stored.find(token), std::string::npos) << "the token is readable in what is stored";
  EXPECT_FALSE(looks_like_token(stored)) << "what is stored cannot be presented as a token";
  EXPECT_EQ(sha256_hex(token), stored) << "the same token must give the same stored form";
}

TEST(Tokens, TheRightTokenVerifiesAndNoOtherDoes) {
  std::string token = random_token();
  const std::string stored = sha256_hex(token);
  EXPECT_TRUE(verifies(token, stored));
  EXPECT_FALSE(verifies(random_token(), stored));
  EXPECT_FALSE(verifies(stored, stored)) << "the stored hash must not sign anyone in";
  for (std::size_t i = 0; i < token.size(); ++i) {  // one character changed, anywhere
    std::string flipped = token;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verifies(flipped, stored)) << "changed at " << i;
  }
  EXPECT_FALSE(verifies(token.substr(0, 42), stored));
  EXPECT_FALSE(verifies(token + "A", stored));
  EXPECT_FALSE(verifies(" " + token, stored));
}

TEST(Tokens, OnlyTheShapeOfARandomTokenLooksLikeOne) {
  EXPECT_TRUE(looks_like_token(std::string(43, 'A')));
  EXPECT_TRUE(looks_like_token(std::string(21, '-') + std::string(22, '_')));
  const std::string not_tokens[] = {"",
                                    std::string(42, 'A'),
                                    std::string(44, 'A'),
                                    std::string(42, 'A') + "=",
                                    std::string(42, 'A') + "+",
                                    std::string(42, 'A') + "/",
                                    std::string(42, 'A') + " ",
                                    std::string(42, 'A') + '\0',
                                    std::string(41, 'A') + "\xc3\xa9",
                                    "'; DROP TABLE users;--" + std::string(21, 'A')};
  for (const auto& text : not_tokens) EXPECT_FALSE(looks_like_token(text)) << text;
}

TEST(BearerToken, TheTokenOfAnAuthorizationHeader) {
  EXPECT_EQ(bearer_token(with_authorization("Bearer abc")), "abc");
  EXPECT_EQ(bearer_token(with_authorization("bearer abc")), "abc");  // the scheme in any case
  EXPECT_EQ(bearer_token(with_authorization("BEARER   abc  ")), "abc");
}

TEST(BearerToken, NoneWithoutTheBearerScheme) {
  for (const char* header :
       {"", "Bearer", "Bearer ", "BearerX abc", "Bearer\tabc", "Basic dXNlcjpwYXNz", "Token abc", "Bearerabc"})
    EXPECT_EQ(bearer_token(with_authorization(header)), "") << header;
}
