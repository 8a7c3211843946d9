#pragma once
// A generated schema.prisma for pgkit_schema_bench (schema_vs_prisma.cpp): N models with every
// scalar type, native types, enums used by fields and defaults, @unique/@@unique/@@index
// (composite, sorted, Gin, Hash, Brin), 1:n relations with referential actions, some 1:1, some
// implicit m:n, @map/@@map and `///` docs. The same seed always writes the same text (the random
// numbers are splitmix64's, not a standard distribution's, which differ between libraries).
//
// For bench/ only.

#include <cstdint>
#include <string>

namespace pgkit::bench {

/// What generate_schema wrote, counted for the benchmark's heading.
struct GeneratedSchema {
  std::string text;
  int models = 0;
  int enums = 0;
  int fields = 0;  ///< scalar and relation fields of all models
  int one_to_many = 0;
  int one_to_one = 0;
  int many_to_many = 0;  ///< implicit (a join table each)
  int indexes = 0;       ///< @unique, @@unique and @@index (primary keys not counted)
};

/// A schema of `models` models (at least 2), the same for the same seed.
GeneratedSchema generate_schema(int models, std::uint64_t seed);

}  // namespace pgkit::bench
