#pragma once
// What an operation is: libpq's side of connecting (connect_op.hpp) or of running statements
// (query_op.hpp, pipeline_op.hpp), without any waiting. A driver — the blocking one (poll) in
// connection.cpp, or the Asio one in src/async — calls start(), waits for what it returns and
// calls resume() until Want::done, then finish(); at its deadline it calls deadline_passed().
// The protocol rules (prepare once, collect every result, cancel on the server at the deadline,
// notice a lost connection) live in the operations, once for both drivers.
#include <string>

namespace pgkit::detail {

/// What an operation waits for. read_or_write: libpq holds unsent bytes — wait for either, since
/// a server blocked on sending us results stops reading until we read (libpq's flush rule).
enum class Want { read, write, read_or_write, done };

/// libpq's message text without the newline (or spaces) it ends with; "" for nullptr.
inline std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace pgkit::detail
