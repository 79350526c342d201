"""Content of the Performance page: the benchmark's results file, rendered when the site is built.

Every number comes from ``docs/data/benchmark.json``, which ``python -m rnn_math bench --output
docs/data/benchmark.json`` writes; nothing here measures anything, so building the site is fast
and the page shows exactly the run that was recorded.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from rnn_math_docs.formatting import markdown_table
from rnn_math_docs.plots import new_figure, svg_figure

#: The results file, beside the pages that show it.
RESULTS = Path(__file__).resolve().parents[3] / "docs" / "data" / "benchmark.json"

#: Display names of the implementations, ours first.
NAMES = {
    "numpy": "rnn-math (NumPy)",
    "textbook": "rnn-math, textbook slope",
    "loop": "NumPy, obvious loop",
    "torch": "PyTorch nn.RNN",
    "jax": "JAX jit + lax.scan",
}

#: What the page says where the recorded run has no textbook-slope twin (a file older than it).
NO_TEXTBOOK = "*The recorded run did not time the textbook slope, so it cannot show what the accurate slope costs.*"


def results() -> dict[str, Any]:
    """The recorded benchmark run, read from `RESULTS`."""
    return _load(RESULTS)


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _case(size: str, dtype: str) -> dict[str, Any] | None:
    return next((c for c in results()["cases"] if c["size"] == size and c["dtype"] == dtype), None)


def _ms(value: float) -> str:
    return f"{value:.3g}" if value < 10 else f"{value:.0f}"


def sizes() -> str:
    """The sizes of the recorded run, one row each."""
    from rnn_math.apps.bench.bench import SIZES

    notes = {
        "S1": "one-hot inputs (d equals the vocabulary size): the classic character-level example",
        "S2": "a small mini-batch",
        "S3": "large enough for the products to dominate",
    }
    seen: dict[str, dict[str, Any]] = {}
    for case in results()["cases"]:
        seen.setdefault(case["size"], case)
    rows = [
        [name, *(str(c[k]) for k in ("B", "T", "d", "D_h", "V")), notes.get(name, "")]
        for name, c in seen.items()
        if name in SIZES
    ]
    return markdown_table(["Size", "B", "T", "d", "$D_h$", "$\\lvert V \\rvert$", ""], rows, "lrrrrrl")


def agreement() -> str:
    """The relative agreement each peer must reach, per dtype, as inline math."""
    import math

    from rnn_math.apps.bench.bench import AGREEMENT

    return " and ".join(
        f"$10^{{{round(math.log10(value))}}}$ in {dtype}" for dtype, value in sorted(AGREEMENT.items(), reverse=True)
    )


def setup() -> str:
    """Command, date, machine, BLAS and its kernel, thread settings, library versions."""
    r = results()
    m = r["machine"]
    blas = "; ".join(
        f"{b.get('internal_api')} {b.get('version')}, kernel {b.get('architecture')}, {b.get('num_threads')} thread(s)"
        for b in m["blas"]
    )
    threads = ", ".join(f"`{k}={v}`" for k, v in m["threads"].items())
    peers = ", ".join(f"{name} {version}" for name, version in r["peer_versions"].items()) or "none"
    skipped = [f"{name}: {status}" for name, status in r["peers"].items() if status != "ok"]
    rows = [
        ["Command", f"`{r['command']}`"],
        ["Date (UTC)", r["date"].replace("T", " ").replace("+00:00", "")],
        ["CPU", f"{m['cpu']} ({m['logical_cpus']} logical CPUs), {m['system']}"],
        ["BLAS used by NumPy", blas],
        [
            "Threads",
            f"one per library: {threads}, `torch.set_num_threads(1)`"
            + (f"; process bound to {m['cpus_bound']} CPU" if m.get("cpus_bound") else ""),
        ],
        ["Versions", f"Python {m['python']}, NumPy {m['numpy']}; peers: {peers}"],
        ["Run time", f"{r['seconds']:.0f} s"],
    ]
    if m.get("load_average"):  # 1-, 5- and 15-minute load averages: how busy the shared machine was
        rows.append(
            ["Load average", "; ".join(f"{when}: {', '.join(map(str, v))}" for when, v in m["load_average"].items())]
        )
    if skipped:
        rows.append(["Skipped", "; ".join(skipped)])
    return markdown_table(["", "Recorded run"], rows)


def main_table() -> str:
    """One row per size, dtype and implementation: medians with quartiles, GFLOP/s, peak fraction, ratios."""
    rows = []
    for case in results()["cases"]:
        shape = f"B={case['B']}, T={case['T']}, d={case['d']}, D_h={case['D_h']}, \\|V\\|={case['V']}"
        label = f"**{case['size']}** {case['dtype']}"
        for name, r in case["implementations"].items():
            if "median_ms" not in r:
                rows.append([label, NAMES.get(name, name), r["status"], "", "", "", ""])
            else:
                ratio = f"{r['numpy_time_ratio']:.2f}×" if "numpy_time_ratio" in r else "—"
                rows.append(
                    [
                        label,
                        NAMES.get(name, name),
                        _ms(r["median_ms"]),
                        f"{_ms(r['q1_ms'])}–{_ms(r['q3_ms'])}",
                        f"{r['gflops']:.1f}",
                        f"{100 * r['fraction_of_peak']:.0f}%",
                        ratio,
                    ]
                )
            label = f"<small>{shape}</small>" if label.startswith("**") else ""
        rows.append(
            [
                "",
                f"*matmul peak, n = {case['peak']['n']}*",
                "",
                "",
                f"{case['peak']['gflops_median']:.1f}",
                "100%",
                f"<small>{case['rounds']} rounds</small>",
            ]
        )
    header = ["Size", "Implementation", "median ms", "quartiles ms", "GFLOP/s", "of peak", "our time / theirs"]
    return markdown_table(header, rows, "llrrrrr")


def ratios() -> str:
    """Our time over each other implementation's, per size in float32, and our fraction of the matmul peak."""
    cases = [c for c in results()["cases"] if c["dtype"] == "float32"]
    others = [n for n in NAMES if n != "numpy" and any(n in c["implementations"] for c in cases)]
    rows = []
    for case in cases:
        cells = []
        for name in others:
            r = case["implementations"].get(name, {})
            cells.append(f"{r['numpy_time_ratio']:.2f}×" if "numpy_time_ratio" in r else r.get("status", "not run"))
        rows.append([case["size"], *cells, f"{100 * case['implementations']['numpy']['fraction_of_peak']:.0f}%"])
    header = ["float32, one thread", *(f"rnn-math time / {NAMES[n]}" for n in others), "rnn-math, of the matmul peak"]
    return markdown_table(header, rows, "l" + "r" * (len(header) - 1))


def _has_textbook() -> bool:
    return any("median_ms" in c["implementations"].get("textbook", {}) for c in results()["cases"])


def exactness_cost() -> str:
    """At every size and dtype: our time, the textbook slope's, and their ratio (the cost of exactness)."""
    if not _has_textbook():
        return NO_TEXTBOOK
    rows = []
    for case in results()["cases"]:
        ours, twin = case["implementations"]["numpy"], case["implementations"].get("textbook", {})
        if "median_ms" not in twin:
            rows.append([case["size"], case["dtype"], _ms(ours["median_ms"]), twin.get("status", "not run"), "—"])
            continue
        rows.append(
            [
                case["size"],
                case["dtype"],
                f"{_ms(ours['median_ms'])} ({_ms(ours['q1_ms'])}–{_ms(ours['q3_ms'])})",
                f"{_ms(twin['median_ms'])} ({_ms(twin['q1_ms'])}–{_ms(twin['q3_ms'])})",
                f"{twin['numpy_time_ratio']:.3f}×",
            ]
        )
    header = [
        "Size",
        "dtype",
        "rnn-math ms (quartiles)",
        "textbook slope ms (quartiles)",
        "time ratio, accurate / textbook",
    ]
    return markdown_table(header, rows, "llrrr")


def exactness_range() -> str:
    """One sentence: the smallest and largest ratio of our time to the textbook slope's over the recorded cases."""
    values = [
        c["implementations"]["textbook"]["numpy_time_ratio"]
        for c in results()["cases"]
        if "numpy_time_ratio" in c["implementations"].get("textbook", {})
    ]
    if not values:
        return ""  # exactness_cost says that the run has no twin
    return (
        f"Over the {len(values)} recorded cases, rnn-math's median time is between {min(values):.3f}× and "
        f"{max(values):.3f}× the textbook twin's; the stage tables [below](#where-our-time-goes) put the two "
        "side by side step by step, so that they show in which step the accurate forms spend their time."
    )


def _stages_table(size: str) -> str:
    """Where our time goes at one size in float32: each step of `bptt`, its products' GFLOP/s and peak fraction."""
    case = _case(size, "float32")
    if not case or not case.get("stages"):
        return f"*The recorded run has no stage times for {size}.*"
    total = sum(st["median_ms"] for st in case["stages"])
    twin = {st["stage"]: st for st in case.get("textbook_stages", [])}
    rows = [
        [
            st["stage"],
            _ms(st["median_ms"]),
            f"{100 * st['median_ms'] / total:.0f}%",
            f"{st['flops'] / 1e6:.0f}" if st["flops"] else "—",
            f"{st['gflops']:.1f}" if st["flops"] else "—",
            f"{100 * st['fraction_of_peak']:.0f}%" if st["flops"] else "—",
            *_twin_cells(st["median_ms"], twin.get(st["stage"], {}).get("median_ms")),
        ]
        for st in case["stages"]
    ]
    rows.append(
        [
            "**all stages**",
            _ms(total),
            "100%",
            f"{case['flops'] / 1e6:.0f}",
            f"{case['flops'] / total / 1e6:.1f}",
            f"{100 * case['flops'] / total / 1e6 / case['peak']['gflops_median']:.0f}%",
            *_twin_cells(total, sum(st["median_ms"] for st in twin.values())),
        ]
    )
    header = [f"{size}: stage of `bptt`", "median ms", "share", "MFLOP of its products", "GFLOP/s", "of peak"]
    if not twin:  # a run recorded before the textbook twin was timed: no columns for it
        return markdown_table(header, [row[: len(header)] for row in rows], "lrrrrr")
    return markdown_table([*header, "textbook slope ms", "accurate / textbook"], rows, "lrrrrrrr")


def _twin_cells(ours_ms: float, twin_ms: float | None) -> list[str]:
    """The textbook twin's time for a stage and our time over it (dashes where it has none)."""
    if not twin_ms:
        return ["—", "—"]
    return [_ms(twin_ms), f"{ours_ms / twin_ms:.2f}×"]


def stages_s2() -> str:
    """The stage table at S2 (float32)."""
    return _stages_table("S2")


def stages_s3() -> str:
    """The stage table at S3 (float32)."""
    return _stages_table("S3")


def _stage(size: str, name: str) -> dict[str, Any] | None:
    case = _case(size, "float32")
    return next((st for st in (case or {}).get("stages", []) if st["stage"] == name), None)


def _share(size: str, names: tuple[str, ...]) -> float:
    case = _case(size, "float32")
    total = sum(st["median_ms"] for st in case["stages"])
    return sum(st["median_ms"] for st in case["stages"] if st["stage"] in names) / total


def limits() -> str:
    """What limits the speed, as a list whose every number comes from the recorded stage times."""
    if not all(_case(size, "float32") and _case(size, "float32").get("stages") for size in ("S2", "S3")):
        return "*The recorded run has no stage times for S2 and S3, so this section cannot be written.*"
    recurrences = ("forward recurrence", "backward recurrence")
    s3 = _case("S3", "float32")
    sums, checks = _stage("S3", "gradient sums"), _stage("S2", "input checks, time-major copy")
    best = max((st for st in s3["stages"] if st["flops"]), key=lambda st: st["fraction_of_peak"])
    verdict = (
        "No other stage at S3 runs closer to the peak."
        if best["stage"] == sums["stage"]
        else f"The stage closest to the peak at S3 is the {best['stage']}, at {100 * best['fraction_of_peak']:.0f}%."
    )
    items = [
        f"**The recurrences.** Only the products with $W_h$ must run one step at a time, on B rows, "
        f"each followed by an element-wise pass ($\\tanh$ forward, $\\odot\\,\\sigma'(z)$ backward). "
        f"Together the two recurrences take {100 * _share('S2', recurrences):.0f}% of our time at S2 and "
        f"{100 * _share('S3', recurrences):.0f}% at S3, and at S3 they run at "
        + " and ".join(f"{100 * _stage('S3', name)['fraction_of_peak']:.0f}%" for name in recurrences)
        + " of the peak (forward, backward).",
        f"**The sums over all steps.** The gradient-sums stage at S3 is BLAS products over the "
        f"T·B = {s3['T'] * s3['B']} rows plus the bias sums, and it runs at {100 * sums['fraction_of_peak']:.0f}% "
        f"of the peak: a product whose shared dimension is long and whose result is small is not the shape the "
        f"BLAS kernel runs fastest. {verdict}",
        f"**Element-wise work and Python.** Softmax, the slopes and the bias sums are passes over memory that "
        f"count no FLOPs; at S2 the input checks and the time-major copy alone take "
        f"{100 * _share('S2', (checks['stage'],)):.0f}% of the time, and every step of the recurrences pays the "
        f"overhead of a few NumPy calls from Python, which a compiled loop (JAX's) does not.",
    ]
    return "\n".join(f"- {item}" for item in items)


def versus_loop() -> str:
    """Our time over the obvious loop's, at each size in float32, from the same run."""
    parts = []
    for case in results()["cases"]:
        loop = case["implementations"].get("loop", {})
        if case["dtype"] == "float32" and "numpy_time_ratio" in loop:
            parts.append(f"{loop['numpy_time_ratio']:.2f}× at {case['size']}")
    return ", ".join(parts) if parts else "not measured in the recorded run"


def contention() -> str:
    """How busy the machine was: the range of the process's CPU time over wall time."""
    ratios = [
        r["cpu_over_wall"] for c in results()["cases"] for r in c["implementations"].values() if "cpu_over_wall" in r
    ]
    if not ratios:
        return "no timings recorded"
    return f"{min(ratios):.2f} to {max(ratios):.2f}"


def scaling_table() -> str:
    """Median time, time per step and NumPy's peak traced memory for each T at the S2 shape."""
    rows_in = results()["scaling"]
    if not rows_in:
        return "*The recorded run skipped the scaling table.*"
    names = [n for n in rows_in[0]["median_ms"]]
    rows = []
    for row in rows_in:
        cells = [str(row["T"])]
        for name in names:
            ms = row["median_ms"][name]
            cells += [_ms(ms), f"{1000 * ms / row['T']:.0f}"] if ms is not None else ["skipped", ""]
        cells.append(f"{row['numpy_peak_bytes'] / 2**20:.1f}")
        rows.append(cells)
    header = ["T"] + [h for n in names for h in (f"{NAMES.get(n, n)} ms", "µs per step")] + ["NumPy peak MiB"]
    return markdown_table(header, rows, "r" * len(header))


def time_figure() -> str:
    """Median time of each implementation at each size (float32), with quartile bars."""
    cases = [c for c in results()["cases"] if c["dtype"] == "float32"]
    names = [n for n in NAMES if any("median_ms" in c["implementations"].get(n, {}) for c in cases)]
    figure, axes = new_figure(6.4, 3.4)
    width = 0.8 / max(len(names), 1)
    for k, name in enumerate(names):
        xs, ys, lo, hi = [], [], [], []
        for i, case in enumerate(cases):
            r = case["implementations"].get(name, {})
            if "median_ms" in r:
                xs.append(i + (k - (len(names) - 1) / 2) * width)
                ys.append(r["median_ms"])
                lo.append(r["median_ms"] - r["q1_ms"])
                hi.append(r["q3_ms"] - r["median_ms"])
        axes.bar(xs, ys, width, yerr=[lo, hi], label=NAMES[name], capsize=2)
    axes.set_xticks(range(len(cases)), [c["size"] for c in cases])
    axes.set_yscale("log")
    axes.set_ylabel("forward + all gradients, ms (median)")
    axes.legend(frameon=False)
    return svg_figure(figure, "Median time per call in float32, one thread, log scale; bars span the quartiles.")


def scaling_figure() -> str:
    """Time per step against T at the S2 shape: flat lines mean time linear in T."""
    rows = results()["scaling"]
    figure, axes = new_figure(6.4, 3.2)
    if rows:
        for name in rows[0]["median_ms"]:
            points = [
                (row["T"], 1000 * row["median_ms"][name] / row["T"])
                for row in rows
                if row["median_ms"][name] is not None
            ]
            if points:
                axes.plot(*zip(*points, strict=True), marker="o", label=NAMES.get(name, name))
        axes.set_xscale("log", base=2)
        axes.set_xticks([row["T"] for row in rows], [str(row["T"]) for row in rows])
        axes.set_ylim(bottom=0)
        axes.legend(frameon=False)
    axes.set_xlabel("sequence length T")
    axes.set_ylabel("µs per time step")
    return svg_figure(figure, "Time per step at the S2 shape (float32): constant per step means time linear in T.")
