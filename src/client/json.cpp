#include "pgkit/client/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "pgkit/error.hpp"

namespace pgkit {

void ValueTraits<boost::json::value>::write(std::string& out, const boost::json::value& v) {
  out += boost::json::serialize(v);
}

boost::json::value ValueTraits<boost::json::value>::read(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) throw ConversionError({.message = "not JSON: " + ec.message()});
  return v;
}

}  // namespace pgkit
