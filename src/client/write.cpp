// The SQL of the generated client's writes (issue 13, step 3).
#include "pgkit/client/read.hpp"
