#pragma once
/// @file log.hpp
/// pgkit's logger: one spdlog logger named "pgkit". Programs may replace its sinks or level;
/// the library only ever writes masked text to it.

#include <memory>

#include <spdlog/logger.h>

namespace pgkit {

/// The "pgkit" logger (created on first use, writing to stderr, level info).
spdlog::logger& log();

/// Install a logger of the program's own as pgkit's (e.g. with a JSON formatter).
void set_logger(std::shared_ptr<spdlog::logger> logger);

}  // namespace pgkit
