// Uses a client generated from schema.prisma by the installed pgkit (pgkit_generate_client).
#include <iostream>
#include <type_traits>

#include "shop/client.hpp"

int main() {
  shop::Order order;
  order.status = shop::Status::PAID;
  order.total = pgkit::Numeric{"12.50"};
  static_assert(std::is_same_v<decltype(order.customerId), std::int32_t>);
  std::string status;
  pgkit::ValueTraits<shop::Status>::write(status, order.status);
  std::cout << shop::to_string(order.status) << "=" << status << " " << pgkit::client::ModelInfo<shop::Order>::table
            << " customer loaded: " << order.customer.loaded() << "\n";
  return 0;
}
