"""Benchmark: forward + every gradient of this package's `bptt` against PyTorch and JAX.

Run ``python -m rnn_math.apps.bench.bench`` (or ``python -m rnn_math bench``). In one run it

1. pins every library to one thread (the environment variables of
   [`rnn_math.apps.bench.machine`][rnn_math.apps.bench.machine] are set before NumPy is
   imported, by running the command in a fresh interpreter if they are not set yet; PyTorch
   gets ``torch.set_num_threads(1)``);
2. checks, before timing, that each peer's loss and gradients agree with ours (relative
   10⁻¹⁰ in float64, 10⁻⁴ in float32); a peer that disagrees is not timed, one that is not
   installed is reported as skipped;
3. times the implementations *interleaved*, round after round in a freshly shuffled order (so
   that none always runs right after the same other one, whose leftovers in the caches it would
   always inherit), together with a large NumPy matrix product that measures this machine's
   multiply peak under the same conditions, and with `bptt` and its textbook-slope twin run step
   by step to time each stage;
4. prints, per size, medians with quartiles, GFLOP/s, the fraction of the peak and the ratio of
   our time to each other implementation's (two NumPy references always run: the textbook-slope
   twin, whose ratio is what the accurate slope costs, and the obvious loop; the peers run when
   installed), where our time goes stage by stage beside the twin's, then the scaling over T
   and NumPy's peak traced memory;
5. writes everything, with the machine's description, to a JSON file (``--output``) that the
   Performance page renders when the site is built.

The process's CPU time over wall time is recorded for every call: near 1 means one busy thread;
well below 1 means the machine was shared and the thread waited for a core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from rnn_math.apps.bench.format import format_case, format_scaling
from rnn_math.apps.bench.machine import describe_machine, peer_versions, pin_to_one_cpu, run_pinned, threads_pinned
from rnn_math.apps.safe_files import write_atomically


@dataclass(frozen=True)
class Size:
    """One benchmark size: batch B, steps T, input width d, hidden width D_h, vocabulary |V|."""

    name: str
    B: int
    T: int
    d: int
    D_h: int
    V: int
    one_hot: bool = False

    def flops(self) -> int:
        """Multiply-add FLOPs of forward + backward: nine products of the T·B rows.

        Forward: W_e x, W_h h, U h. Backward: Uᵀ(ŷ − y), W_hᵀ δ, and the gradients of W_h, W_e,
        U and x. Each costs 2·T·B·(its two widths); element-wise work is not counted.
        """
        rows = self.T * self.B
        return 2 * rows * 3 * (self.d * self.D_h + self.D_h * self.D_h + self.D_h * self.V)


#: The sizes: S1 is min-char-rnn (one-hot inputs, d = |V|), S2 a small mini-batch, S3 a large one.
SIZES = {
    "S1": Size("S1", B=1, T=25, d=65, D_h=100, V=65, one_hot=True),
    "S2": Size("S2", B=32, T=50, d=64, D_h=128, V=64),
    "S3": Size("S3", B=128, T=100, d=256, D_h=512, V=256),
}
SCALING_T = (25, 50, 100, 200)

#: --tiny: the same cases at toy sizes, to prove the command works (the test suite uses it).
TINY_SIZES = {
    "S1": Size("S1", B=1, T=4, d=6, D_h=5, V=6, one_hot=True),
    "S2": Size("S2", B=3, T=5, d=4, D_h=6, V=5),
    "S3": Size("S3", B=4, T=6, d=8, D_h=10, V=7),
}
TINY_SCALING_T = (3, 6)

#: Relative agreement a peer's gradients must reach before it is timed.
AGREEMENT = {"float64": 1e-10, "float32": 1e-4}


def quartiles(samples: Sequence[float]) -> tuple[float, float, float]:
    import numpy as np

    q1, median, q3 = np.percentile(np.asarray(samples), [25, 50, 75])
    return float(q1), float(median), float(q3)


def timed(run: Callable[[], Any]) -> tuple[float, float]:
    """Wall seconds of one call, and the process's CPU seconds over wall seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu / wall if wall > 0 else 0.0


def _problem(size: Size, dtype: str):
    import numpy as np

    from rnn_math.apps.bench.problem import Problem

    return Problem.random(size.B, size.T, size.d, size.D_h, size.V, one_hot=size.one_hot, dtype=np.dtype(dtype).type)


def _record_laps(staged: Callable[[], tuple[list[float], Any]], laps: list[list[float]]) -> None:
    """Run `staged` once and keep its seconds per stage in `laps` (the stage timers' runs)."""
    laps.append(staged()[0])


def peak_run(n: int, dtype: str) -> Callable[[], Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    return lambda: np.matmul(a, b, out=out)


def _numpy_peak_memory(size: Size, dtype: str) -> int:
    """Peak bytes NumPy allocates (traced) during one forward + backward, inputs excluded."""
    from rnn_math.apps.bench.peers import make_numpy

    run = make_numpy(_problem(size, dtype))
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


#: Implementations that always run beside ours: `bptt` with the textbook slope (its time over
#: ours is the cost of the accurate slope) and the obvious NumPy loop.
REFERENCES = ("textbook", "loop")

#: Runs timed in the rounds that are not implementations: the matmul peak and the two stage timers.
AUXILIARY = ("peak", "stages", "textbook stages")


def run_case(
    size: Size,
    dtype: str,
    peers: Sequence[str],
    statuses: dict[str, str | None],
    *,
    rounds: int,
    peak_n: int,
    budget: float,
) -> dict[str, Any]:
    """Check, then time interleaved: ours, the references, each available peer, both stage timers, the peak."""
    import numpy as np

    from rnn_math.apps.bench.peers import (
        IMPLEMENTATIONS,
        gradient_disagreement,
        make_numpy_staged,
    )
    from rnn_math.apps.bench.textbook import make_textbook_staged

    problem = _problem(size, dtype)
    ours = IMPLEMENTATIONS["numpy"](problem)
    reference = ours()
    runs: dict[str, Callable[[], Any]] = {"numpy": ours}
    results: dict[str, dict[str, Any]] = {"numpy": {"status": "ok"}}
    statuses = {**dict.fromkeys(REFERENCES), **statuses}
    for name in (*REFERENCES, *peers):
        if statuses[name] is not None:
            results[name] = {"status": statuses[name]}
            continue
        run = IMPLEMENTATIONS[name](problem)
        disagreement = gradient_disagreement(reference, run())
        results[name] = {"status": "ok", "max_relative_difference": disagreement}
        if not disagreement <= AGREEMENT[dtype]:
            results[name]["status"] = (
                f"not timed: gradients differ from ours by {disagreement:.2e} (limit {AGREEMENT[dtype]:g})"
            )
            continue
        runs[name] = run
    peak_flops = 2 * peak_n**3
    runs["peak"] = peak_run(peak_n, dtype)
    stage_samples: dict[str, list[list[float]]] = {"stages": [], "textbook stages": []}
    for key, make in (("stages", make_numpy_staged), ("textbook stages", make_textbook_staged)):
        runs[key] = partial(_record_laps, make(problem), stage_samples[key])
    for run in runs.values():  # warm-up: compilation, caches, allocator
        run()
    # As many rounds as fit in the budget (at least `rounds`), each round running every
    # implementation once, in a new random order, so that slow phases of a shared machine hit
    # all of them and no implementation always inherits the caches of the same predecessor.
    first = {name: timed(run)[0] for name, run in runs.items()}
    count = max(rounds, min(200, int(budget / max(sum(first.values()), 1e-9))))
    names = list(runs)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for laps in stage_samples.values():
        laps.clear()  # the first timed call above is not a round
    order = np.random.default_rng(0)
    for _ in range(count):
        for name in order.permutation(names):
            samples[name].append(timed(runs[name]))
    peak_q = quartiles([peak_flops / wall for wall, _ in samples["peak"]])
    case: dict[str, Any] = {
        "size": size.name,
        "dtype": dtype,
        "B": size.B,
        "T": size.T,
        "d": size.d,
        "D_h": size.D_h,
        "V": size.V,
        "one_hot": size.one_hot,
        "flops": size.flops(),
        "rounds": count,
        "peak": {
            "n": peak_n,
            "gflops_median": peak_q[1] / 1e9,
            "gflops_q1": peak_q[0] / 1e9,
            "gflops_q3": peak_q[2] / 1e9,
        },
        "implementations": results,
    }
    for name in names:
        if name in AUXILIARY:
            continue
        q1, median, q3 = quartiles([wall for wall, _ in samples[name]])
        gflops = size.flops() / median / 1e9
        results[name].update(
            median_ms=median * 1e3,
            q1_ms=q1 * 1e3,
            q3_ms=q3 * 1e3,
            gflops=gflops,
            fraction_of_peak=gflops / case["peak"]["gflops_median"],
            cpu_over_wall=quartiles([ratio for _, ratio in samples[name]])[1],
        )
    for name in names:
        if name not in ("numpy", *AUXILIARY):
            results[name]["numpy_time_ratio"] = results["numpy"]["median_ms"] / results[name]["median_ms"]
    case["stages"] = _stage_rows(size, stage_samples["stages"], case["peak"]["gflops_median"])
    case["textbook_stages"] = _stage_rows(size, stage_samples["textbook stages"], case["peak"]["gflops_median"])
    return case


def _stage_rows(size: Size, samples: list[list[float]], peak_gflops: float) -> list[dict[str, Any]]:
    """Per stage: quartiles of its times over the rounds, its products' FLOPs, GFLOP/s and peak fraction."""
    from rnn_math.apps.bench.peers import STAGES, stage_flops

    rows = []
    for k, (stage, flops) in enumerate(zip(STAGES, stage_flops(size.B, size.T, size.d, size.D_h, size.V), strict=True)):
        q1, median, q3 = quartiles([laps[k] for laps in samples])
        gflops = flops / median / 1e9 if median > 0 else 0.0
        rows.append(
            {
                "stage": stage,
                "median_ms": median * 1e3,
                "q1_ms": q1 * 1e3,
                "q3_ms": q3 * 1e3,
                "flops": flops,
                "gflops": gflops,
                "fraction_of_peak": gflops / peak_gflops,
            }
        )
    return rows


def _load_average() -> list[float] | None:
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rnn_math bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S1,S2,S3", help="comma-separated subset of S1,S2,S3 (default: all)")
    parser.add_argument("--dtypes", default="float32,float64", help="float32 and/or float64 (default: both)")
    parser.add_argument("--peers", default="torch,jax", help="comma-separated peers: torch, jax (empty: none)")
    parser.add_argument("--rounds", type=int, default=7, help="minimum interleaved rounds per case (default 7)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of timing per case, roughly (default 20)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling table over T")
    parser.add_argument("--tiny", action="store_true", help="toy sizes, to check that the command works")
    parser.add_argument("--cells", default="lstm,gru", help="gated cells raced at S2 and S3: lstm, gru (empty: none)")
    parser.add_argument("--cell-dtypes", default="float32", help="dtypes of the gated cells' cases (default float32)")
    parser.add_argument("--output", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--force", action="store_true", help="replace the --output file if it exists")
    args = parser.parse_args(argv)
    args.sizes = [s for s in args.sizes.split(",") if s]
    args.dtypes = [s for s in args.dtypes.split(",") if s]
    args.peers = [s for s in args.peers.split(",") if s]
    args.cells, args.cell_dtypes = ([s for s in v.split(",") if s] for v in (args.cells, args.cell_dtypes))
    for value, known, option in (
        (args.sizes, SIZES, "--sizes"),
        (args.dtypes, AGREEMENT, "--dtypes"),
        (args.peers, ("torch", "jax"), "--peers"),
        (args.cells, ("lstm", "gru"), "--cells"),
        (args.cell_dtypes, AGREEMENT, "--cell-dtypes"),
    ):
        unknown = [v for v in value if v not in known]
        if unknown:
            parser.error(f"{option}: expected a comma-separated subset of {', '.join(known)}, got {', '.join(unknown)}")
    if args.rounds < 1 or args.budget < 0:
        parser.error(f"--rounds must be at least 1 and --budget non-negative, got {args.rounds} and {args.budget}")
    if args.output is not None and args.output.exists() and not args.force:
        parser.error(f"--output: {args.output} exists; pass --force to replace it")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the tables; write the JSON results if asked. Returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if not threads_pinned():
        return run_pinned(argv)
    pin_to_one_cpu()

    from rnn_math.apps.bench.gated_case import run_gated_case
    from rnn_math.apps.bench.peers import peer_status

    statuses = {name: peer_status(name) for name in args.peers}
    if statuses.get("torch") is None and "torch" in args.peers:
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    sizes, scaling_t = (TINY_SIZES, TINY_SCALING_T) if args.tiny else (SIZES, SCALING_T)
    peak_n = 64 if args.tiny else 1536
    timing = {
        "rounds": args.rounds,
        "peak_n": peak_n,
        "budget": 0.0 if args.tiny else args.budget,
    }  # tiny: --rounds only
    started, load_start = dt.datetime.now(dt.UTC), _load_average()
    report: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "rnn_math", "bench", *argv]),
        "date": started.isoformat(timespec="seconds"),
        "machine": describe_machine(),
        "peers": {name: (status or "ok") for name, status in statuses.items()},
        "peer_versions": peer_versions([n for n, s in statuses.items() if s is None]),
        "activation": "tanh",
        "tiny": args.tiny,
        "cases": [],
        "gated_cases": [],
        "scaling": [],
    }
    print(f"rnn-math benchmark, {report['date']}, {report['machine']['cpu']}, one thread per library")
    for name, status in statuses.items():
        if status is not None:
            print(f"  {name}: {status}")
    failed = False
    for size_name in args.sizes:
        for dtype in args.dtypes:
            case = run_case(sizes[size_name], dtype, args.peers, statuses, **timing)
            case["numpy_peak_bytes"] = _numpy_peak_memory(sizes[size_name], dtype)
            failed |= any(r["status"].startswith("not timed") for r in case["implementations"].values())
            report["cases"].append(case)
            print(
                format_case(case) + f"\n  numpy peak traced memory {case['numpy_peak_bytes'] / 2**20:.2f} MiB\n",
                flush=True,
            )
        if size_name in ("S2", "S3"):
            for cell, dtype in ((c, t) for c in args.cells for t in args.cell_dtypes):
                gated = run_gated_case(cell, sizes[size_name], dtype, args.peers, statuses, **timing)
                failed |= any(r["status"].startswith("not timed") for r in gated["implementations"].values())
                report["gated_cases"].append(gated)
                print(cell.upper() + " " + format_case(gated) + "\n", flush=True)
    if not args.no_scaling:
        base = sizes["S2"]
        for T in scaling_t:
            size = Size(f"S2 T={T}", base.B, T, base.d, base.D_h, base.V)
            case = run_case(size, "float32", args.peers, statuses, **{**timing, "budget": timing["budget"] / 2})
            report["scaling"].append(
                {
                    "T": T,
                    "median_ms": {n: r.get("median_ms") for n, r in case["implementations"].items()},
                    "q1_ms": {n: r.get("q1_ms") for n, r in case["implementations"].items()},
                    "q3_ms": {n: r.get("q3_ms") for n, r in case["implementations"].items()},
                    "numpy_peak_bytes": _numpy_peak_memory(size, "float32"),
                }
            )
        print(format_scaling(report["scaling"]))
    # The machine may be shared: the load averages (1, 5, 15 minutes) before and after the run say how busy it was.
    report["machine"]["load_average"] = {"start": load_start, "end": _load_average()}
    report["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        text = (json.dumps(report, indent=1) + "\n").encode()
        write_atomically(args.output, lambda file: file.write(text), what="--output")
        print(f"results written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
