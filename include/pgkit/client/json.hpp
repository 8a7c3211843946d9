#pragma once
/// @file client/json.hpp
/// A schema's `Json` fields as Boost.JSON values (the library pgkit-server uses): read from
/// json/jsonb text, sent as jsonb. Part of pgkit::client (links Boost.JSON).

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "pgkit/types.hpp"

namespace pgkit {

template <>
struct ValueTraits<boost::json::value> {
  static constexpr Oid type = oid::kJsonb;
  static void write(std::string& out, const boost::json::value& v);
  /// @throws ConversionError on text that is not JSON
  static boost::json::value read(std::string_view text);
};

}  // namespace pgkit
