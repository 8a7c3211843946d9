#include "pgkit/log.hpp"

#include <atomic>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace pgkit {
namespace {

std::shared_ptr<spdlog::logger>& slot() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("pgkit", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ pgkit: %v");
    return l;
  }();
  return logger;
}

}  // namespace

spdlog::logger& log() { return *std::atomic_load(&slot()); }

void set_logger(std::shared_ptr<spdlog::logger> logger) { std::atomic_store(&slot(), std::move(logger)); }

}  // namespace pgkit
