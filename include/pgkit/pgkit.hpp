#pragma once
/// @file pgkit.hpp
/// Everything in one include.
#include "pgkit/cluster.hpp"
#include "pgkit/config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/database.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/params.hpp"
#include "pgkit/pool.hpp"
#include "pgkit/result.hpp"
#include "pgkit/retry.hpp"
#include "pgkit/transaction.hpp"
#include "pgkit/types.hpp"
#include "pgkit/shutdown.hpp"
