"""One benchmark case of a gated cell: check every peer against our fast path, then time them interleaved.

The same procedure as the vanilla RNN's cases ([`run_case`][rnn_math.apps.bench.bench.run_case]):
each peer's loss and gradients must agree with ours before it is timed; then our fast path, each
agreeing peer, our stage timer and the matmul peak run round after round, each round in a new
random order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rnn_math.apps.bench.bench import AGREEMENT, Size, peak_run, quartiles, timed
from rnn_math.apps.bench.gated import (
    GATED_IMPLEMENTATIONS,
    GatedProblem,
    gated_disagreement,
    gated_flops,
    gated_stage_flops,
    make_gated_staged,
)
from rnn_math.apps.bench.peers import STAGES


def run_gated_case(
    cell: str,
    size: Size,
    dtype: str,
    peers: Sequence[str],
    statuses: dict[str, str | None],
    *,
    rounds: int,
    peak_n: int,
    budget: float,
) -> dict[str, Any]:
    """Check, then time interleaved: our fast path of `cell`, each available peer, the stage timer, the peak."""
    problem = GatedProblem.random(cell, size.B, size.T, size.d, size.D_h, size.V, dtype=np.dtype(dtype).type)
    ours = GATED_IMPLEMENTATIONS["numpy"](problem)
    reference = ours()
    runs: dict[str, Callable[[], Any]] = {"numpy": ours}
    results: dict[str, dict[str, Any]] = {"numpy": {"status": "ok"}}
    for name in peers:
        if statuses.get(name) is not None:
            results[name] = {"status": statuses[name]}
            continue
        run = GATED_IMPLEMENTATIONS[name](problem)
        disagreement = gated_disagreement(cell, reference, run())
        results[name] = {"status": "ok", "max_relative_difference": disagreement}
        if not disagreement <= AGREEMENT[dtype]:
            limit = AGREEMENT[dtype]
            results[name]["status"] = f"not timed: gradients differ from ours by {disagreement:.2e} (limit {limit:g})"
            continue
        runs[name] = run
    runs["peak"] = peak_run(peak_n, dtype)
    staged = make_gated_staged(problem)
    laps: list[list[float]] = []
    runs["stages"] = lambda: laps.append(staged()[0])
    for run in runs.values():  # warm-up: compilation, caches, allocator
        run()
    first = sum(timed(run)[0] for run in runs.values())
    count = max(rounds, min(200, int(budget / max(first, 1e-9))))
    laps.clear()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    order = np.random.default_rng(0)
    for _ in range(count):
        for name in order.permutation(list(runs)):
            samples[name].append(timed(runs[name]))
    flops = gated_flops(cell, size.B, size.T, size.d, size.D_h, size.V)
    peak_q = quartiles([2 * peak_n**3 / wall for wall, _ in samples["peak"]])
    peak = {"n": peak_n, "gflops_median": peak_q[1] / 1e9, "gflops_q1": peak_q[0] / 1e9, "gflops_q3": peak_q[2] / 1e9}
    for name in runs:
        if name in ("peak", "stages"):
            continue
        q1, median, q3 = quartiles([wall for wall, _ in samples[name]])
        results[name].update(
            median_ms=median * 1e3,
            q1_ms=q1 * 1e3,
            q3_ms=q3 * 1e3,
            gflops=flops / median / 1e9,
            fraction_of_peak=flops / median / 1e9 / peak["gflops_median"],
            cpu_over_wall=quartiles([ratio for _, ratio in samples[name]])[1],
        )
    for name in runs:
        if name not in ("numpy", "peak", "stages"):
            results[name]["numpy_time_ratio"] = results["numpy"]["median_ms"] / results[name]["median_ms"]
    stage_flops = gated_stage_flops(cell, size.B, size.T, size.d, size.D_h, size.V)
    stages = []
    for k, (stage, stage_flop) in enumerate(zip(STAGES, stage_flops, strict=True)):
        q1, median, q3 = quartiles([lap[k] for lap in laps])
        gflops = stage_flop / median / 1e9 if median > 0 else 0.0
        stages.append(
            {"stage": stage, "median_ms": median * 1e3, "q1_ms": q1 * 1e3, "q3_ms": q3 * 1e3, "flops": stage_flop,
             "gflops": gflops, "fraction_of_peak": gflops / peak["gflops_median"]}
        )  # fmt: skip
    return {
        "cell": cell, "size": size.name, "dtype": dtype, "B": size.B, "T": size.T, "d": size.d, "D_h": size.D_h,
        "V": size.V, "one_hot": False, "flops": flops, "rounds": count, "peak": peak, "implementations": results,
        "stages": stages,
    }  # fmt: skip


__all__ = ["run_gated_case"]
