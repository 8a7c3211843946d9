// Text-format conversions and parameter encoding, without a database.
#include <gtest/gtest.h>

#include <cmath>

#include "pgkit/config.hpp"
#include "pgkit/error.hpp"
#include "pgkit/params.hpp"
#include "pgkit/retry.hpp"
#include "pgkit/transaction.hpp"

using namespace pgkit;
using namespace std::chrono;

template <class T>
std::string text_of(const T& v) {
  std::string s;
  ValueTraits<T>::write(s, v);
  return s;
}

TEST(Types, IntegersAndBoolsRoundTrip) {
  EXPECT_EQ(text_of<std::int64_t>(-9223372036854775807LL), "-9223372036854775807");
  EXPECT_EQ(ValueTraits<std::int32_t>::read("42"), 42);
  EXPECT_TRUE(ValueTraits<bool>::read("t"));
  EXPECT_FALSE(ValueTraits<bool>::read("f"));
  EXPECT_THROW(ValueTraits<std::int16_t>::read("70000"), std::exception);
  EXPECT_THROW(ValueTraits<std::int32_t>::read("12abc"), std::exception);
}

TEST(Types, DoublesKeepSpecialValues) {
  EXPECT_TRUE(std::isnan(ValueTraits<double>::read("NaN")));
  EXPECT_EQ(ValueTraits<double>::read("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ValueTraits<double>::read(text_of(0.1)), 0.1);
}

TEST(Types, TimestampParsesOffsetsAndFractions) {
  auto t = ValueTraits<Timestamp>::read("2025-10-10 15:10:19.487+02");
  auto expect = sys_days(2025y / 10 / 10) + 13h + 10min + 19s + 487ms;
  EXPECT_EQ(t, time_point_cast<microseconds>(expect));
  EXPECT_EQ(ValueTraits<Timestamp>::read("2025-10-10 15:10:19+05:30"),
            time_point_cast<microseconds>(sys_days(2025y / 10 / 10) + 9h + 40min + 19s));
  EXPECT_EQ(ValueTraits<Timestamp>::read("infinity"), Timestamp::max());
  EXPECT_EQ(ValueTraits<Timestamp>::read(text_of(Timestamp(t))), t);
  EXPECT_EQ(ValueTraits<Timestamp>::read("1901-12-13 20:45:52.000001-00:25:21"),
            time_point_cast<microseconds>(sys_days(1901y / 12 / 13) + 21h + 11min + 13s + 1us))
      << "a historical offset with seconds";
  EXPECT_EQ(ValueTraits<Timestamp>::read("2025-10-10 15:10:19"),
            time_point_cast<microseconds>(sys_days(2025y / 10 / 10) + 15h + 10min + 19s))
      << "a timestamp without time zone";
  for (const char* malformed : {"2025-10-10", "2025-10-10 15:10:1x", "2025/10/10 15:10:19", "2025-10-10 15:10:19+5",
                                "2025-10-10 15:10:19+05:", "2025-10-10 15:10:19 BC", "10000-01-01 00:00:00"})
    EXPECT_THROW(ValueTraits<Timestamp>::read(malformed), std::invalid_argument) << malformed;
  EXPECT_THROW(ValueTraits<Date>::read("2024-2-29x"), std::invalid_argument);
}

TEST(Types, DateUuidBytea) {
  EXPECT_EQ(text_of(Date(2024y / 2 / 29)), "2024-02-29");
  EXPECT_EQ(ValueTraits<Date>::read("2024-02-29"), Date(2024y / 2 / 29));
  auto u = Uuid::parse("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11");
  EXPECT_EQ(u.str(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_THROW(Uuid::parse("not-a-uuid"), ConversionError);
  EXPECT_NE(Uuid::random(), Uuid::random());
  EXPECT_EQ(ValueTraits<Bytes>::read("\\x00ff10"), (Bytes{0x00, 0xff, 0x10}));
}

TEST(Types, ArraysQuoteAndUnquote) {
  std::vector<std::string> v{"a", "b c", "q\"uote", "NULL", "{x,y}"};
  EXPECT_EQ(ValueTraits<std::vector<std::string>>::read(text_of(v)), v);
  EXPECT_EQ(ValueTraits<std::vector<std::int64_t>>::read("{1,-2,3}"), (std::vector<std::int64_t>{1, -2, 3}));
  EXPECT_EQ(ValueTraits<std::vector<std::int32_t>>::read("{}"), std::vector<std::int32_t>{});
}

TEST(Params, EncodesTypesNullsAndBinaryBytea) {
  Params p(std::int32_t{7}, std::optional<std::string>{}, "text", Bytes{1, 2}, true);
  ASSERT_EQ(p.size(), 5);
  EXPECT_STREQ(p.values()[0], "7");
  EXPECT_EQ(p.types()[0], oid::kInt4);
  EXPECT_EQ(p.values()[1], nullptr);
  EXPECT_EQ(p.types()[2], oid::kUnknown);  // strings let the server infer (enums, varchar…)
  EXPECT_EQ(p.formats()[3], 1);
  EXPECT_EQ(p.lengths()[3], 2);
  EXPECT_STREQ(p.values()[4], "t");
}

TEST(Retry, DelaysStayWithinTheCappedExponentialBound) {
  RetryPolicy policy{.base_delay = milliseconds{10}, .max_delay = milliseconds{100}};
  for (int retry = 1; retry < 20; ++retry) {
    auto bound = std::min<long long>(100, 10LL << std::min(retry - 1, 20));
    for (int i = 0; i < 50; ++i) EXPECT_LE(policy.delay(retry).count(), bound);
  }
}

TEST(Retry, BudgetCapsRetriesAtAFractionOfRequests) {
  RetryBudget budget(0.1, 2);
  EXPECT_TRUE(budget.try_spend());
  EXPECT_TRUE(budget.try_spend());
  EXPECT_FALSE(budget.try_spend());  // burst spent
  for (int i = 0; i < 10; ++i) budget.on_request();
  EXPECT_TRUE(budget.try_spend());  // ten requests earned one retry
  EXPECT_FALSE(budget.try_spend());
}

TEST(Retry, ClassifiesBySqlstate) {
  EXPECT_TRUE(is_transient(ConnectionLost({.sqlstate = "08006"})));
  EXPECT_TRUE(is_transient(ServerShuttingDown({.sqlstate = "57P01"})));
  EXPECT_TRUE(is_transient(TooManyConnections({.sqlstate = "53300"})));
  EXPECT_FALSE(is_transient(UniqueViolation({.sqlstate = "23505"})));
  EXPECT_FALSE(is_transient(SerializationFailure({.sqlstate = "40001"})));
  EXPECT_TRUE(is_transaction_retryable(SerializationFailure({.sqlstate = "40001"})));
  EXPECT_TRUE(is_transaction_retryable(DeadlockDetected({.sqlstate = "40P01"})));
  EXPECT_FALSE(is_transaction_retryable(SyntaxError({.sqlstate = "42601"})));
}

TEST(Errors, ThrowErrorPicksTheTypeCallersActOn) {
  auto thrown = [](const char* state) {
    try {
      throw_error({.sqlstate = state, .message = "m"}, {});
    } catch (const Error& e) {
      return std::string(typeid(e).name());
    }
  };
  EXPECT_EQ(thrown("23505"), typeid(UniqueViolation).name());
  EXPECT_EQ(thrown("23503"), typeid(ForeignKeyViolation).name());
  EXPECT_EQ(thrown("40001"), typeid(SerializationFailure).name());
  EXPECT_EQ(thrown("57014"), typeid(Timeout).name());
  EXPECT_EQ(thrown("42601"), typeid(SyntaxError).name());
  EXPECT_EQ(thrown("42501"), typeid(InsufficientPrivilege).name());
  EXPECT_EQ(thrown("28P01"), typeid(AuthenticationFailed).name());
  EXPECT_EQ(thrown("57P01"), typeid(ServerShuttingDown).name());
  EXPECT_EQ(thrown("XX000"), typeid(Error).name());
}

TEST(Errors, MessageCarriesFieldsAndMasksSecrets) {
  Error e({.sqlstate = "08001", .message = "cannot connect to postgresql://app:hunter2@db/app", .hint = "check it"});
  std::string w = e.what();
  EXPECT_EQ(w.find("hunter2"), std::string::npos);
  EXPECT_NE(w.find("08001"), std::string::npos);
  EXPECT_NE(w.find("check it"), std::string::npos);
}

TEST(Transactions, BeginStatementFollowsOptions) {
  EXPECT_EQ(begin_statement({}), "BEGIN");
  EXPECT_EQ(begin_statement({.isolation = Isolation::serializable, .read_only = true, .deferrable = true}),
            "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE");
  EXPECT_EQ(begin_statement({.isolation = Isolation::repeatable_read}), "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

TEST(Errors, SqlPasswordLiteralsAreMaskedInMessages) {
  std::string masked = mask_secrets("ALTER ROLE app WITH PASSWORD 'it''s hunter2' VALID UNTIL 'infinity'");
  EXPECT_EQ(masked.find("hunter2"), std::string::npos) << masked;
  EXPECT_NE(masked.find("VALID UNTIL 'infinity'"), std::string::npos) << masked;
}
