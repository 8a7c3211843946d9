// The studio's access checks on their own (src/studio/access.hpp): which Host and Origin
// headers are its own, the sign-in token, and the session cookie.
#include <gtest/gtest.h>

#include "studio/access.hpp"

using pgkit::studio::Access;

TEST(StudioAccess, OnlyItsOwnHostAndOriginAreAllowed) {
  Access a("127.0.0.1", 5555);
  for (const char* host : {"127.0.0.1:5555", "localhost:5555", "LOCALHOST:5555", "[::1]:5555"})
    EXPECT_TRUE(a.host_allowed(host)) << host;
  for (const char* host : {"", "127.0.0.1", "127.0.0.1:5556", "evil.example:5555", "localhost.evil.example:5555"})
    EXPECT_FALSE(a.host_allowed(host)) << host;
  EXPECT_TRUE(a.origin_allowed("")) << "no Origin: a top-level navigation or a non-browser client";
  EXPECT_TRUE(a.origin_allowed("http://127.0.0.1:5555"));
  EXPECT_TRUE(a.origin_allowed("http://localhost:5555"));
  for (const char* origin : {"http://evil.example", "https://127.0.0.1:5555", "null", "http://127.0.0.1:5556"})
    EXPECT_FALSE(a.origin_allowed(origin)) << origin;
  // A browser says where a request comes from: another port of this host is "same-site".
  for (const char* site : {"", "same-origin", "none"}) EXPECT_TRUE(Access::fetch_site_allowed(site)) << site;
  for (const char* site : {"same-site", "cross-site"}) EXPECT_FALSE(Access::fetch_site_allowed(site)) << site;
  // Another address answers to its own name too (given with --host and --allow-remote).
  Access remote("10.0.0.5", 8080);
  EXPECT_TRUE(remote.host_allowed("10.0.0.5:8080"));
  EXPECT_TRUE(remote.host_allowed("localhost:8080"));
  EXPECT_FALSE(remote.host_allowed("10.0.0.6:8080"));
}

TEST(StudioAccess, TheTokenSignsInAndTheCookieCarriesTheSession) {
  Access a("127.0.0.1", 5555);
  EXPECT_NE(a.login_url().find("http://127.0.0.1:5555/login?token=" + a.token()), std::string::npos);
  EXPECT_FALSE(a.login(""));
  EXPECT_FALSE(a.login(std::string(43, 'A')));
  EXPECT_FALSE(a.login(a.token() + "x"));
  auto session = a.login(a.token());
  ASSERT_TRUE(session);
  EXPECT_NE(*session, a.token()) << "the session is not the token";
  auto again = a.login(a.token());  // the link signs in another browser too
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *session);
  const std::string cookie = a.cookie_for(*session);
  EXPECT_EQ(cookie.substr(0, cookie.find('=')), "pgkit_studio_5555") << "a studio on another port has its own";
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_TRUE(a.signed_in("pgkit_studio_5555=" + *session));
  EXPECT_TRUE(a.signed_in("theme=dark; pgkit_studio_5555=" + *session + "; other=1"));
  EXPECT_FALSE(a.signed_in(""));
  EXPECT_FALSE(a.signed_in("pgkit_studio_5555=" + a.token())) << "the token itself is no session";
  EXPECT_FALSE(a.signed_in("xpgkit_studio_5555=" + *session));
  Access other("127.0.0.1", 5555);
  EXPECT_FALSE(other.signed_in("pgkit_studio_5555=" + *session)) << "a session belongs to its studio";
  Access elsewhere("127.0.0.1", 5556);
  EXPECT_FALSE(elsewhere.signed_in("pgkit_studio_5555=" + *session));
}
