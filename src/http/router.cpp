#include "http/router.hpp"

#include <string_view>

namespace pgkit::http {

namespace {
std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}
}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  auto segments = split(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path, Request& request) const {
  auto segments = split(path);
  Match result{.status = 404};
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      if (!r.segments[i].empty() && r.segments[i][0] == ':')
        params[r.segments[i].substr(1)] = segments[i];
      else
        same = r.segments[i] == segments[i];
    }
    if (!same) continue;
    result.route = r.pattern;
    if (r.method != method) {
      result.status = 405;
      result.allow += result.allow.empty() ? r.method : ", " + r.method;
      continue;
    }
    request.params = std::move(params);
    return Match{.handler = &r.handler, .status = 200, .route = r.pattern};
  }
  return result;
}

}  // namespace pgkit::http
