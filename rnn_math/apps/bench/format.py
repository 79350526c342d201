"""The benchmark's printed tables, from the results `rnn_math.apps.bench.bench` records (no timing here)."""

from __future__ import annotations

from typing import Any


def format_case(case: dict[str, Any]) -> str:
    """One case as a text table: every implementation, then our stage times beside the textbook twin's."""
    lines = [
        f"{case['size']} {case['dtype']}: B={case['B']} T={case['T']} d={case['d']} D_h={case['D_h']} |V|={case['V']}"
        f"{' one-hot' if case['one_hot'] else ''}, {case['flops'] / 1e6:.1f} MFLOP, {case['rounds']} rounds, "
        f"matmul peak {case['peak']['gflops_median']:.1f} GFLOP/s (n={case['peak']['n']})",
        f"  {'impl':<9}{'median ms':>11}{'q1 ms':>10}{'q3 ms':>10}"
        f"{'GFLOP/s':>9}{'% peak':>8}{'cpu/wall':>9}{'ours/peer':>11}",
    ]
    for name, r in case["implementations"].items():
        if "median_ms" not in r:
            lines.append(f"  {name:<9}{r['status']}")
            continue
        ratio = f"{r['numpy_time_ratio']:.2f}x" if "numpy_time_ratio" in r else "-"
        lines.append(
            f"  {name:<9}{r['median_ms']:>11.3f}{r['q1_ms']:>10.3f}{r['q3_ms']:>10.3f}{r['gflops']:>9.2f}"
            f"{100 * r['fraction_of_peak']:>7.1f}%{r['cpu_over_wall']:>9.2f}{ratio:>11}"
        )
    stages, textbook = case.get("stages", []), case.get("textbook_stages", [])
    if stages:
        total = sum(st["median_ms"] for st in stages)
        lines.append(
            f"  where our time goes (stage medians add up to {total:.3f} ms"
            + ("; last column: the textbook slope's):" if textbook else "):")
        )
        for st, tb in zip(stages, textbook or [None] * len(stages), strict=True):
            peak = f"{100 * st['fraction_of_peak']:>7.1f}%" if st["flops"] else f"{'-':>8}"
            twin = f"{tb['median_ms']:>10.3f} ms" if tb else ""
            lines.append(
                f"    {st['stage']:<32}{st['median_ms']:>10.3f} ms {100 * st['median_ms'] / total:>5.1f}%"
                f"{st['gflops']:>9.2f} GFLOP/s{peak}{twin}"
            )
    return "\n".join(lines)


def format_scaling(rows: list[dict[str, Any]]) -> str:
    """The scaling rows as a text table: median ms and ms per step per implementation, peak memory."""
    lines = [
        "Scaling over T (S2 shape, float32): median ms, ms per step, NumPy peak traced memory",
        f"  {'T':>5}"
        + "".join(f"{n + ' ms':>14}{n + ' ms/T':>16}" for n in rows[0]["median_ms"])
        + f"{'numpy MiB':>11}",
    ]
    for row in rows:
        cells = "".join(
            f"{ms:>14.3f}{ms / row['T']:>16.4f}" if ms is not None else f"{'skipped':>14}{'':>16}"
            for ms in row["median_ms"].values()
        )
        lines.append(f"  {row['T']:>5}{cells}{row['numpy_peak_bytes'] / 2**20:>11.2f}")
    return "\n".join(lines)
