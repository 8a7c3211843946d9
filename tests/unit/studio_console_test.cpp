// The SQL console's rules apart from the database (src/studio/console.hpp); the browser suite
// runs statements through it against PostgreSQL.
#include <gtest/gtest.h>

#include "studio/console.hpp"

using namespace pgkit::studio;

TEST(StudioConsole, OnlyStatementsACursorCannotReadRunAsTheyAre) {
  EXPECT_TRUE(not_a_cursor_query("42601"));   // DECLARE … FOR UPDATE …: a syntax error
  EXPECT_TRUE(not_a_cursor_query("0A000"));   // a data-modifying WITH
  EXPECT_FALSE(not_a_cursor_query("42703"));  // a query with an unknown column: its own error
  EXPECT_FALSE(not_a_cursor_query("25006"));
}

TEST(StudioConsole, AnErrorsPositionIsInTheUsersText) {
  const int added = static_cast<int>(kConsoleDeclare.size());
  EXPECT_EQ(position_in_statement(added + 8), 8);
  EXPECT_EQ(position_in_statement(added), 0) << "in the words the studio added";
  EXPECT_EQ(position_in_statement(0), 0);
}

TEST(StudioConsole, ALongValueIsCutBetweenCharactersAndSaysItsLength) {
  EXPECT_EQ(shown_value("short"), "short");
  std::string value(kConsoleValueChars - 1, 'x');
  value += "é and more";  // é is two bytes, across the cut
  const std::string shown = shown_value(value);
  EXPECT_EQ(shown.substr(0, kConsoleValueChars - 1), std::string(kConsoleValueChars - 1, 'x'));
  EXPECT_EQ(shown.substr(kConsoleValueChars - 1), "… (" + std::to_string(value.size()) + " bytes in all)");
}
