#pragma once
/// pgkit studio (docs/studio.md): browse a database in the browser. The `pgkit studio`
/// command is a thin caller of this class; a C++ program can run a studio the same way:
/// @code
///   pgkit::studio::Studio studio(config, {.port = 5555});
///   studio.listen();
///   std::cout << studio.url() << "\n";   // holds the sign-in token
///   studio.run();                        // until stop()
/// @endcode
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "pgkit/config.hpp"

namespace pgkit::studio {

struct StudioOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 5555;  ///< 0 picks a free port (url() says which)
  /// Needed to bind anything but a loopback address: the studio shows and edits the data.
  bool allow_remote = false;
  /// The zone timestamps with a time zone are shown in (the sessions' TimeZone): UTC unless
  /// the user picks another, never the browser's.
  std::string time_zone = "UTC";
  /// Every session read-only (default_transaction_read_only) and every save in a READ ONLY
  /// transaction: the database refuses writes, whatever a request asks. Give the URL of a role
  /// without write rights too, where there is one.
  bool read_only = false;
  /// A schema.prisma (a file or a folder of them): its model and field names label the tables
  /// and columns, and its relations are followed where the database has no foreign key
  /// (relationMode = "prisma"). Empty: the database's names and foreign keys only.
  std::filesystem::path schema;
};

class Studio {
 public:
  /// Connects (a small pool of its own, its sessions in options.time_zone) and describes the
  /// database's tables: the catalog the studio serves.
  /// @throws ConfigError for a non-loopback host without allow_remote; schema::SchemaError for
  /// a schema with errors (each at its file:line:column); pgkit::Error from the database
  Studio(const Config& database, StudioOptions options);
  ~Studio();
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

  /// Binds. @throws std::system_error naming the address when the port is taken
  void listen();
  /// The URL to open: it carries the token that signs a browser in.
  std::string url() const;
  /// Serves until stop().
  void run();
  /// Thread-safe; requests in flight finish first.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit::studio
