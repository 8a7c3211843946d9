#include "server/request_log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "pgkit/error.hpp"
#include "pgkit/log.hpp"

namespace pgkit::server {

namespace {

bool json_logs = false;

// JSON string contents for a log line.
std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// "%*" in a pattern: the message as JSON string contents.
class EscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string text = escaped(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedMessage>(); }
};

}  // namespace

void configure_logging(bool json, const std::string& level) {
  json_logs = json;
  auto logger = std::make_shared<spdlog::logger>("pgkit", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (json)
    formatter->add_flag<EscapedMessage>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  else
    formatter->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level.empty() ? "info" : level));
  set_logger(logger);
}

void log_request(const http::Request& req, const std::string& route, int status, std::chrono::nanoseconds took) {
  auto& logger = log();
  auto level = status >= 500 ? spdlog::level::err : spdlog::level::info;
  if (!logger.should_log(level)) return;
  double ms = std::chrono::duration<double, std::milli>(took).count();
  if (json_logs)
    logger.log(level, R"(request {{"method":"{}","route":"{}","path":"{}","status":{},"ms":{:.2f},"requestId":"{}"}})",
               escaped(req.method), escaped(route), escaped(req.path), status, ms, req.request_id);
  else
    logger.log(level, "{} {} {} {:.1f}ms route={} id={}", req.method, req.path, status, ms, route, req.request_id);
}

http::Response error_for(std::exception_ptr failure, const http::Request& req, Metrics& metrics) {
  try {
    std::rethrow_exception(failure);
  } catch (const http::HttpError& e) {
    http::Response res = http::error_response(e.status(), e.code(), e.what());
    res.headers = e.headers;
    return res;
  } catch (const PoolExhausted& e) {
    metrics.record_db_error("pool_exhausted");
    log().warn("request {}: {}", req.request_id, e.what());
    http::Response res = http::error_response(503, "database_busy", "the database is busy; try again shortly");
    res.headers.emplace_back("Retry-After", "1");
    return res;
  } catch (const NotConfigured& e) {
    return http::error_response(503, "database_not_configured", e.what());
  } catch (const ConnectionError& e) {  // cannot connect, or the connection broke
    metrics.record_db_error("connection");
    log().warn("request {}: database unavailable: {}", req.request_id, e.what());
    http::Response res =
        http::error_response(503, "database_unavailable", "the database is unavailable; try again shortly");
    res.headers.emplace_back("Retry-After", "1");
    return res;
  } catch (const PoolClosed&) {
    return http::error_response(503, "shutting_down", "the server is shutting down");
  } catch (const Timeout& e) {
    metrics.record_db_error("timeout");
    log().warn("request {}: {}", req.request_id, e.what());
    return http::error_response(503, "database_timeout", "the database did not answer in time; try again");
  } catch (const UniqueViolation&) {
    metrics.record_db_error("constraint");
    return http::error_response(409, "conflict", "this would duplicate an existing record");
  } catch (const ConstraintViolation& e) {
    metrics.record_db_error("constraint");
    return http::error_response(400, "invalid_request", "the request breaks a rule of the data: " + e.constraint());
  } catch (const DeadlockDetected&) {  // still there after the transaction's retries
    metrics.record_db_error("serialization");
    return http::error_response(503, "conflict_retry", "the request collided with another; try again");
  } catch (const SerializationFailure&) {
    metrics.record_db_error("serialization");
    return http::error_response(503, "conflict_retry", "the request collided with another; try again");
  } catch (const Error& e) {
    if (e.sqlstate().rfind("22", 0) == 0) {  // data exception: input PostgreSQL refused
      metrics.record_db_error("data");
      return http::error_response(400, "invalid_request", "a value in the request is out of range or malformed");
    }
    if (e.sqlstate() == "42P01" || e.sqlstate() == "42703" || e.sqlstate() == "42883") {
      metrics.record_db_error("schema");  // a table, column or function the code expects is missing
      log().error("request {}: {}", req.request_id, e.what());
      return http::error_response(
          503, "database_not_migrated",
          "the database schema is missing or out of date: run `pgkit migrate up` or start the server "
          "with --migrate");
    }
    metrics.record_db_error("other");
    log().error("request {}: {}", req.request_id, e.what());
  } catch (const std::exception& e) {
    log().error("request {}: {}", req.request_id, e.what());
  }
  return http::error_response(500, "internal_error",
                              "internal error; the server log has the details under request id " + req.request_id);
}

}  // namespace pgkit::server
