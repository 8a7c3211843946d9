#pragma once
// The SQL console's rules, apart from the database work (Api::console runs it):
// - one statement per run: the extended protocol, which refuses a second one;
// - in a transaction that is READ ONLY unless the user asks for writes and the studio runs
//   without --read-only; a read is rolled back, so even a SET leaves nothing behind;
// - a query is read through a cursor, at most kConsoleRows rows: a SELECT of a big table
//   does not come whole into the studio;
// - the connection is closed afterwards: nothing the statement set (a role, a prepared
//   statement, a temporary table) reaches the studio's other work.
#include <string>
#include <string_view>

namespace pgkit::studio {

inline constexpr int kConsoleRows = 1000;
/// A value longer than this is cut in the console's answer (its length is said).
inline constexpr std::size_t kConsoleValueChars = 10'000;

/// The cursor the console reads a query through.
inline constexpr std::string_view kConsoleDeclare = "DECLARE pgkit_console NO SCROLL CURSOR FOR ";

/// Whether DECLARE refused the statement for not being a query a cursor can read (a syntax
/// error: an UPDATE, a SET, EXPLAIN; or a data-modifying WITH): it then runs as it is.
bool not_a_cursor_query(std::string_view sqlstate);

/// The position of an error in the user's text, from its position in the DECLARE around it
/// (0: none, or in the words the studio added).
int position_in_statement(int position_in_declare);

/// A value for the console's grid: as it is, or its first kConsoleValueChars characters
/// (whole UTF-8 sequences) and how long it was.
std::string shown_value(std::string_view value);

}  // namespace pgkit::studio
