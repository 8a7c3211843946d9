#pragma once
// The Asio view of one connection's socket. It stays with the connection across leases, so a
// query through AsyncPool costs no registration with the reactor: only the first lease on an
// io_context pays for dup(), EPOLL_CTL_ADD and FIONBIO. Private to the library.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "pgkit/connection.hpp"

namespace pgkit {
namespace asio = boost::asio;
}  // namespace pgkit

namespace pgkit::detail {

/// conn's watcher for its current socket on ex's execution context, made on first use and
/// kept in the connection. Made afresh when libpq changed sockets (while connecting: pass
/// connecting = true, which checks the socket's inode too), when the connection moves to
/// another io_context, or when that io_context's shutdown closed the old one.
asio::posix::stream_descriptor& socket_watcher(Connection& conn, const asio::any_io_executor& ex, bool connecting);

}  // namespace pgkit::detail
