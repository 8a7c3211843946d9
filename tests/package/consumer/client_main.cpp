// Uses a client generated from schema.prisma by the installed pgkit (pgkit_generate_client).
#include <iostream>
#include <type_traits>

#include "shop/client.hpp"

int main(int argc, char**) {
  shop::Order order;
  order.status = shop::Status::PAID;
  order.total = pgkit::Numeric{"12.50"};
  static_assert(std::is_same_v<decltype(order.customerId), std::int32_t>);
  std::string status;
  pgkit::ValueTraits<shop::Status>::write(status, order.status);
  std::cout << shop::to_string(order.status) << "=" << status << " " << pgkit::client::ModelInfo<shop::Order>::table
            << " customer loaded: " << order.customer.loaded();
  using namespace shop::fields;
  auto paid = order::status == shop::Status::PAID && order::placedAt > pgkit::Timestamp{};
  std::cout << " filter parameters: " << paid.fragment().params.size() << "\n";
  if (argc > 1) {  // the calls link; the test has no database to run them on
    pgkit::Pool pool(pgkit::load_config().config);
    shop::Client db(pool);
    std::cout << db.order.count({.where = paid}) << "\n";
  }
  return 0;
}
