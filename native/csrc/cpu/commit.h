#pragma once
#include "ops/problem.h"
#include "pool/pool.h"

namespace lckv {

// lckv.KvCommit on host memory (README section 3.2), for a validated problem.
void commit_cpu(const PoolView& pool, const CommitProblem& p);

}  // namespace lckv
