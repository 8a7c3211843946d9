#pragma once
/// @file config_internal.hpp
/// Helpers shared by src/config/*.cpp. Private: never installed, never included by users.
///
/// One rule runs through all of them: a problem or warning never repeats a value the user
/// typed (it could be, or contain, the password). Messages name the setting and the pattern
/// that is wrong instead; add_problem and add_warning pass everything through mask_secrets
/// as a second line of defence.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgkit/config.hpp"

namespace pgkit::detail {

/// Names the setting a libpq keyword came from: "DB_PORT", "DATABASE_URL (port)".
using SettingNamer = std::function<std::string(const std::string& keyword)>;

/// The namer for a URL or conninfo string held in `setting`: keyword → "setting (keyword)".
SettingNamer url_part_namer(const std::string& setting);

// ---- validate.cpp ------------------------------------------------------------------------

/// Record a problem; message and fix are masked.
void add_problem(LoadedConfig& out, std::string setting, std::string message, std::string fix);
/// Record a warning; masked.
void add_warning(LoadedConfig& out, const std::string& text);

/// Whitespace stripped from both ends.
std::string trim(std::string_view text);
/// ASCII lower case.
std::string lower(std::string_view text);
/// The whole text (trimmed) as a decimal integer, sign allowed; nullopt if it is anything else.
std::optional<long long> parse_integer(std::string_view text);
/// true/false/1/0/yes/no/on/off, any case; nullopt otherwise.
std::optional<bool> parse_bool(std::string_view text);
/// Why a value looks like a template placeholder ("contains 'your_'"), or "" if it does not.
std::string placeholder_reason(std::string_view value);

/// Check libpq params (placeholders, ports, sslmode, empty password, connect_timeout…) and
/// copy connect_timeout into the pool settings.
void check_params(LoadedConfig& out, const SettingNamer& name);
/// Set pool.max from `setting`, clamping above defaults::kPoolMaxCeiling with a warning.
void set_pool_max(LoadedConfig& out, long long value, const std::string& setting);
/// Check min against max. When min was never set, a default min above max is lowered to max.
void check_pool(LoadedConfig& out, bool min_explicit, const std::string& min_setting, const std::string& max_setting);

// ---- url.cpp -----------------------------------------------------------------------------

/// Parse a URL or conninfo string into out.config (params, search_path, pool max/acquire).
/// Reports problems but does not run check_params.
void parse_url_into(std::string_view url, const std::string& setting, LoadedConfig& out);
/// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encode(std::string_view text);
/// libpq's own PG* variables and the keyword each sets (PGHOST → host), as libpq lists them.
const std::vector<std::pair<std::string, std::string>>& libpq_env_vars();

// ---- dotenv.cpp --------------------------------------------------------------------------

/// A .env file's variables, and a problem for each malformed line.
struct DotenvFile {
  std::map<std::string, std::string> values;
  std::vector<Problem> problems;
};
/// Parse .env text; problems name `file_name` and the line number, never the line.
DotenvFile parse_dotenv_text(std::string_view text, const std::string& file_name);
/// Read options.dotenv_path (or ./.env when it exists). A missing explicit path is a problem.
DotenvFile read_dotenv_file(const ConfigOptions& options);

}  // namespace pgkit::detail
