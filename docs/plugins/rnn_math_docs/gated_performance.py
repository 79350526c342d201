"""The Performance page's gated cells: the LSTM's and the GRU's fast paths against PyTorch and JAX.

Every number comes from the ``gated_cases`` of ``docs/data/benchmark.json`` (the same recorded run
as the rest of the page, read by [`performance.results`][rnn_math_docs.performance.results]);
nothing here measures anything.
"""

from __future__ import annotations

from typing import Any

from rnn_math_docs.formatting import markdown_table
from rnn_math_docs.performance import results

#: What the page says where the recorded run raced no gated cell.
NO_GATED = "*The recorded run did not race the gated cells.*"

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU"}
NAMES = {"torch": "PyTorch", "jax": "JAX"}


def _ms(value: float) -> str:
    return f"{value:.3g}" if value < 10 else f"{value:.0f}"


def _cases() -> list[dict[str, Any]]:
    return list(results().get("gated_cases", []))


def gated_table() -> str:
    """One row per cell, size and dtype: our median, each peer's, our time over theirs, our share of the peak."""
    cases = _cases()
    if not cases:
        return NO_GATED
    peers = [name for name in ("torch", "jax") if any(name in c["implementations"] for c in cases)]
    header = ["Cell", "Size", "rnn-math ms", "GFLOP/s", "of peak"]
    for name in peers:
        header += [f"{NAMES[name]} ms", f"our time / {NAMES[name]}'s"]
    rows = []
    for case in cases:
        ours = case["implementations"]["numpy"]
        row = [
            f"**{CELL_NAMES[case['cell']]}**",
            f"{case['size']} {case['dtype']}<br><small>{case['rounds']} rounds</small>",
            f"{_ms(ours['median_ms'])} <small>({_ms(ours['q1_ms'])}–{_ms(ours['q3_ms'])})</small>",
            f"{ours['gflops']:.1f}",
            f"{100 * ours['fraction_of_peak']:.0f}%",
        ]
        for name in peers:
            r = case["implementations"].get(name, {})
            if "median_ms" in r:
                row += [f"{_ms(r['median_ms'])} <small>({_ms(r['q1_ms'])}–{_ms(r['q3_ms'])})</small>",
                        f"**{r['numpy_time_ratio']:.2f}×**"]  # fmt: skip
            else:
                row += [r.get("status", "not run"), "—"]
        rows.append(row)
    return markdown_table(header, rows, "llrrr" + "rr" * len(peers))


def gated_stages() -> str:
    """Where our time goes in each gated case: each stage's median and its share of the matmul peak."""
    cases = _cases()
    if not cases:
        return NO_GATED
    header = ["Stage"] + [f"{CELL_NAMES[c['cell']]} {c['size']} {c['dtype']}" for c in cases]
    stages = [st["stage"] for st in cases[0]["stages"]]
    rows = []
    for k, stage in enumerate(stages):
        cells = []
        for case in cases:
            st = case["stages"][k]
            peak = f" <small>{100 * st['fraction_of_peak']:.0f}% of peak</small>" if st["flops"] else ""
            cells.append(f"{_ms(st['median_ms'])} ms{peak}")
        rows.append([stage, *cells])
    return markdown_table(header, rows, "l" + "r" * len(cases))


def gated_ratio_range() -> str:
    """Our time over PyTorch's, smallest to largest over the gated cases, as a sentence fragment."""
    ratios = [
        (CELL_NAMES[c["cell"]], c["size"], c["implementations"]["torch"]["numpy_time_ratio"])
        for c in _cases()
        if "numpy_time_ratio" in c["implementations"].get("torch", {})
    ]
    if not ratios:
        return "PyTorch was not timed in the recorded run"
    listed = ", ".join(f"{cell} {size} {ratio:.2f}×" for cell, size, ratio in ratios)
    return f"our time over PyTorch's was {listed}"
