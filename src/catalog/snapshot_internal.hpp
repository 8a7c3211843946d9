#pragma once
// Shared by snapshot() and read_snapshot(): the title line, and how the names of functions and
// triggers are cut into their parts.
#include <string>
#include <string_view>
#include <utility>

#include "pgkit/catalog.hpp"

namespace pgkit::catalog::detail {

/// The snapshot's first line.
inline constexpr std::string_view kSnapshotTitle =
    "-- Schema snapshot written by pgkit (dump_schema): regenerate it, don't edit it.";

/// A function's or procedure's header name: "public.f(integer, text)", the name quoted as
/// needed, the arguments as pg_get_function_identity_arguments() prints them.
std::string function_header(const Opaque& function);

/// A trigger's name and table, from its Opaque name "trigger on table".
std::pair<std::string, std::string> trigger_parts(const Opaque& trigger);

}  // namespace pgkit::catalog::detail
