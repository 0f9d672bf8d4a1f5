#pragma once
#include "common/status.h"
#include "ops/problem.h"
#include "pool/pool.h"

namespace lckv {

// lckv.Attention on host memory (README section 3.1). The problem must already be validated
// (ops/checks.h): this function trusts every length and block id.
Status attention_cpu(const PoolView& pool, const AttentionProblem& p, const Parallel& parallel);

}  // namespace lckv
