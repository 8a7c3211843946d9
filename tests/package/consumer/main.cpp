// Uses the installed headers and library: configuration, masking, and a typed value.
#include <pgkit/pgkit.hpp>

#include <iostream>

int main() {
  auto loaded = pgkit::parse_url("postgresql://app:secret@db.example.com:5432/app?connection_limit=7");
  if (!loaded.ok()) return 1;
  std::cout << loaded.config.masked() << " max=" << loaded.config.pool.max << " "
            << pgkit::Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").str() << "\n";
  return 0;
}
