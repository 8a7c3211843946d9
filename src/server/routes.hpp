#pragma once
// The API's routes, a file per group. docs/api.md describes each with an example.
#include "http/router.hpp"
#include "server/services.hpp"

namespace pgkit::server {

void add_health_routes(http::Router& router, Services& services);  // routes_health.cpp
void add_auth_routes(http::Router& router, Services& services);    // routes_auth.cpp
void add_user_routes(http::Router& router, Services& services);    // routes_users.cpp
void add_post_routes(http::Router& router, Services& services);    // routes_posts.cpp

}  // namespace pgkit::server
