#pragma once
/// @file pgkit.hpp
/// Everything in one include: every public header of pgkit. A program that minds its build
/// time includes the headers of what it uses instead (async.hpp brings in Boost.Asio; the
/// schema, catalog and migration headers are the tooling's). Left out: pgkit/client/, the
/// runtime of generated clients, which a generated client's client.hpp includes (it is the
/// pgkit::client library, which brings Boost.JSON).
#include "pgkit/async.hpp"
#include "pgkit/backup.hpp"
#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/cluster.hpp"
#include "pgkit/codegen.hpp"
#include "pgkit/config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/database.hpp"
#include "pgkit/error.hpp"
#include "pgkit/health.hpp"
#include "pgkit/introspect.hpp"
#include "pgkit/local_cluster.hpp"
#include "pgkit/log.hpp"
#include "pgkit/migrate.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/params.hpp"
#include "pgkit/pipeline.hpp"
#include "pgkit/pool.hpp"
#include "pgkit/result.hpp"
#include "pgkit/retry.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"
#include "pgkit/shutdown.hpp"
#include "pgkit/transaction.hpp"
#include "pgkit/types.hpp"
