#pragma once
// Routes: a method and a path pattern ("/api/posts/:id") to a coroutine handler.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/http.hpp"

namespace pgkit::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  ///< null: see status
    int status = 200;                  ///< 404 no such path, 405 path without that method
    std::string route;                 ///< the pattern, for logs and metrics ("" when no path matched)
    std::string allow;                 ///< for 405: the methods the path accepts
  };
  /// Finds the route for method and path, filling request params from the pattern.
  Match match(const std::string& method, const std::string& path, Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace pgkit::http
