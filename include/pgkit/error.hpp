#pragma once
/// @file error.hpp
/// pgkit's errors: a shallow tree keyed by SQLSTATE, "not for taxonomy's sake but so that your
/// application can act" (libpqxx). Every error carries the server's fields and where it was
/// called from; the statement is kept, its parameters never are.
///
/// @code
///   try { pool.query("INSERT INTO users(email) VALUES ($1)", email); }
///   catch (const pgkit::UniqueViolation& e) { return conflict(e.constraint()); }
/// @endcode

#include <source_location>
#include <stdexcept>
#include <string>

namespace pgkit {

/// What the server (or pgkit) said about a failure. Empty fields were not given.
struct ErrorFields {
  std::string sqlstate;     ///< five characters, e.g. "23505"; empty for client-side errors
  std::string message;      ///< the primary message
  std::string detail;       ///< the server's DETAIL
  std::string hint;         ///< the server's HINT, or pgkit's advice on what to check
  std::string statement;    ///< the SQL text (parameters are never included)
  std::string constraint;   ///< the violated constraint, when the server names one
  int position = 0;         ///< 1-based character offset of the error in statement; 0 = none
  int pipeline_index = -1;  ///< 0-based index of the failing statement in a Pipeline; -1 = none
};

/// The root of every pgkit error. what() is a complete, masked, human-readable message.
class Error : public std::runtime_error {
 public:
  Error(ErrorFields fields, std::source_location where = std::source_location::current());

  const std::string& sqlstate() const noexcept { return fields_.sqlstate; }
  const std::string& message() const noexcept { return fields_.message; }
  const std::string& detail() const noexcept { return fields_.detail; }
  const std::string& hint() const noexcept { return fields_.hint; }
  const std::string& statement() const noexcept { return fields_.statement; }
  const std::string& constraint() const noexcept { return fields_.constraint; }
  int position() const noexcept { return fields_.position; }
  int pipeline_index() const noexcept { return fields_.pipeline_index; }
  const ErrorFields& fields() const noexcept { return fields_; }
  /// Where the failing call was made in the caller's code.
  const std::source_location& where() const noexcept { return where_; }

 private:
  ErrorFields fields_;
  std::source_location where_;
};

/// A setting is wrong; the message names it and the fix.
class ConfigError : public Error {
  using Error::Error;
};
/// No database is configured (optional database mode asked for one anyway).
class NotConfigured : public Error {
  using Error::Error;
};

/// The connection is unusable: lost, or never made. Safe to retry only work that had not run.
class ConnectionError : public Error {
  using Error::Error;
};
/// A connection could not be made (server down, wrong host or port, refused, timed out).
class CannotConnect : public ConnectionError {
  using ConnectionError::ConnectionError;
};
/// The server refused our credentials (28P01, 28000).
class AuthenticationFailed : public CannotConnect {
  using CannotConnect::CannotConnect;
};
/// TLS refused the connection: the server's certificate is not signed by the CA given, names
/// another host, the CA file is missing, or the server has TLS off while sslmode requires it.
/// Not a credentials problem (and not retried): the hint says which TLS setting to fix.
class TlsRefused : public CannotConnect {
  using CannotConnect::CannotConnect;
};
/// Too many clients already (53300).
class TooManyConnections : public CannotConnect {
  using CannotConnect::CannotConnect;
};
/// An open connection broke (class 08, or the socket died). The statement's outcome is unknown.
class ConnectionLost : public ConnectionError {
  using ConnectionError::ConnectionError;
};
/// The server is shutting down, crashed or is starting (57P01, 57P02, 57P03).
class ServerShuttingDown : public ConnectionLost {
  using ConnectionLost::ConnectionLost;
};

/// A deadline passed: the query was cancelled on the server (57014), or a wait gave up.
class Timeout : public Error {
  using Error::Error;
};
/// No connection became free within the acquire timeout. The message states the pool's state.
class PoolExhausted : public Timeout {
  using Timeout::Timeout;
};
/// The pool is closing or closed; nothing more is handed out.
class PoolClosed : public Error {
  using Error::Error;
};

/// The transaction cannot be serialized; retry it as a whole (40001).
class SerializationFailure : public Error {
  using Error::Error;
};
/// Deadlock detected; retry the transaction as a whole (40P01).
class DeadlockDetected : public Error {
  using Error::Error;
};

/// Integrity constraint violations (class 23): constraint() names the constraint.
class ConstraintViolation : public Error {
  using Error::Error;
};
class UniqueViolation : public ConstraintViolation {
  using ConstraintViolation::ConstraintViolation;
};
class ForeignKeyViolation : public ConstraintViolation {
  using ConstraintViolation::ConstraintViolation;
};
class NotNullViolation : public ConstraintViolation {
  using ConstraintViolation::ConstraintViolation;
};
class CheckViolation : public ConstraintViolation {
  using ConstraintViolation::ConstraintViolation;
};

/// The SQL does not parse, or names something that does not exist (42601, 42P01, 42703, …).
class SyntaxError : public Error {
  using Error::Error;
};
/// The role lacks a privilege (42501).
class InsufficientPrivilege : public Error {
  using Error::Error;
};
/// The server tried to write on a read-only node (25006), e.g. a standby after failover.
class ReadOnlyTransaction : public Error {
  using Error::Error;
};
/// A value could not be converted to or from the requested C++ type.
class ConversionError : public Error {
  using Error::Error;
};
/// A misuse of the API (a row index out of range, a transaction used after commit, …).
class UsageError : public Error {
  using Error::Error;
};

/// Throw the most specific error type for fields.sqlstate.
[[noreturn]] void throw_error(ErrorFields fields, std::source_location where);

/// True for errors after which the connection must not be reused.
bool is_connection_error(const std::string& sqlstate);

}  // namespace pgkit
