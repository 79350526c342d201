"""The benchmark command works, checks its peers before timing them, and its results render.

No test here asserts anything about speed: the machine is shared and timings are noisy. Speed is
what the benchmark reports, on the Performance page.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps.bench import bench, gated, gated_case
from rnn_math.apps.bench import peers as bench_peers
from rnn_math.apps.bench import textbook as bench_textbook
from rnn_math.apps.bench.machine import THREAD_ENV
from rnn_math.core.activations import tanh_derivative
from rnn_math.rnn.params import RNNParams
from rnn_math_docs import gated_performance, performance
from tests.conftest import ROOT

SIZES = ("S1", "S2", "S3")
DTYPES = ("float32", "float64")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """One run of the command at toy sizes, with whichever peers are installed."""
    output = tmp_path_factory.mktemp("bench") / "benchmark.json"
    env = {key: value for key, value in os.environ.items() if key not in THREAD_ENV}  # it must pin them itself
    result = subprocess.run(
        [sys.executable, "-m", "rnn_math", "bench", "--tiny", "--rounds", "3", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, json.loads(output.read_text())


def test_the_command_prints_one_table_per_size_and_dtype_and_the_scaling_table(tiny_run):
    stdout, _ = tiny_run
    for size in SIZES:
        for dtype in DTYPES:
            assert f"{size} {dtype}: " in stdout
    gated = len(("LSTM", "GRU")) * len(("S2", "S3"))  # the gated cells' cases, float32 by default
    assert sum(line.split()[:1] == ["impl"] for line in stdout.splitlines()) == len(SIZES) * len(DTYPES) + gated
    assert "Scaling over T" in stdout
    header = next(line for line in stdout.splitlines() if "median ms" in line).split()
    assert header == ["impl", "median", "ms", "q1", "ms", "q3", "ms", "GFLOP/s", "%", "peak", "cpu/wall", "ours/peer"]


def test_every_peer_is_either_timed_after_agreeing_or_reported_as_skipped(tiny_run):
    _, report = tiny_run
    assert set(report["peers"]) == {"torch", "jax"}
    for case in report["cases"]:
        assert list(case["implementations"])[0] == "numpy"
        for name in ("torch", "jax"):
            r = case["implementations"][name]
            if report["peers"][name] == "ok":
                assert r["max_relative_difference"] <= bench.AGREEMENT[case["dtype"]]
                assert r["numpy_time_ratio"] > 0
            else:
                assert r["status"].startswith("skipped") and "median_ms" not in r


def test_results_hold_quartiles_flops_peak_and_the_machine(tiny_run):
    _, report = tiny_run
    assert {(c["size"], c["dtype"]) for c in report["cases"]} == {(s, d) for s in SIZES for d in DTYPES}
    for case in report["cases"]:
        size = bench.TINY_SIZES[case["size"]]
        assert case["flops"] == size.flops() > 0 and case["peak"]["gflops_median"] > 0
        assert case["numpy_peak_bytes"] > 0
        for r in case["implementations"].values():
            if "median_ms" in r:
                assert 0 < r["q1_ms"] <= r["median_ms"] <= r["q3_ms"]
                assert r["gflops"] == pytest.approx(case["flops"] / r["median_ms"] / 1e6)
    assert [row["T"] for row in report["scaling"]] == list(bench.TINY_SCALING_T)
    machine = report["machine"]
    assert machine["cpu"] and machine["blas"] and machine["threads"] == THREAD_ENV


def test_the_obvious_loop_always_runs_and_agrees_before_it_is_timed(tiny_run):
    _, report = tiny_run
    for case in report["cases"]:
        loop = case["implementations"]["loop"]
        assert loop["status"] == "ok" and loop["max_relative_difference"] <= bench.AGREEMENT[case["dtype"]]
        assert loop["numpy_time_ratio"] > 0


def test_every_case_times_the_five_stages_of_bptt_in_order(tiny_run):
    _, report = tiny_run
    for case in report["cases"]:
        assert [st["stage"] for st in case["stages"]] == list(bench_peers.STAGES)
        assert all(0 < st["q1_ms"] <= st["median_ms"] <= st["q3_ms"] for st in case["stages"])
        assert sum(st["flops"] for st in case["stages"]) == case["flops"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_timed_stages_compute_exactly_what_bptt_computes(dtype):
    """The stage breakdown times bptt's own steps: same functions, same order, identical results."""
    problem = bench_peers.Problem.random(3, 5, 4, 6, 5, one_hot=False, dtype=dtype)
    seconds, staged = bench_peers.make_numpy_staged(problem)()
    ours = bench_peers.make_numpy(problem)()
    assert len(seconds) == len(bench_peers.STAGES) and all(s >= 0 for s in seconds)
    for name in bench_peers.GRADIENT_NAMES:
        np.testing.assert_array_equal(staged[name], ours[name])


@pytest.mark.parametrize("name", ["S1", "S2", "S3"])
def test_the_stage_flops_add_up_to_the_nine_products(name):
    size = bench.SIZES[name]
    assert sum(bench_peers.stage_flops(size.B, size.T, size.d, size.D_h, size.V)) == size.flops()


def test_the_flop_count_is_the_nine_products_of_forward_and_backward():
    size = bench.Size("x", B=2, T=3, d=5, D_h=7, V=11)
    rows = size.B * size.T
    products = [(size.d, size.D_h), (size.D_h, size.D_h), (size.D_h, size.V)] * 3  # forward, backward, gradients
    assert size.flops() == sum(2 * rows * m * n for m, n in products)


def test_a_peer_that_is_not_installed_is_reported_as_skipped(monkeypatch):
    monkeypatch.setitem(bench_peers.PEER_MODULES, "torch", "a_module_that_is_not_installed")
    status = bench_peers.peer_status("torch")
    assert status is not None and status.startswith("skipped")
    case = bench.run_case(bench.TINY_SIZES["S2"], "float64", ["torch"], {"torch": status}, rounds=2, peak_n=8, budget=0)
    assert case["implementations"]["torch"] == {"status": status}
    assert "median_ms" in case["implementations"]["numpy"]


def test_a_peer_whose_gradients_differ_is_not_timed(monkeypatch):
    """Negative control for the correctness gate: a W_h gradient off by one part in a million."""

    def slightly_wrong(problem):
        run = bench_peers.make_numpy(problem)

        def wrong():
            grads = dict(run())
            grads["W_h"] = grads["W_h"] * (1 + 1e-6)
            return grads

        return wrong

    monkeypatch.setitem(bench_peers.IMPLEMENTATIONS, "torch", slightly_wrong)
    case = bench.run_case(bench.TINY_SIZES["S2"], "float64", ["torch"], {"torch": None}, rounds=2, peak_n=8, budget=0)
    r = case["implementations"]["torch"]
    assert r["status"].startswith("not timed") and "median_ms" not in r
    assert 1e-7 < r["max_relative_difference"] < 1e-5


def test_gradient_disagreement_is_zero_for_identical_results_and_infinite_for_a_wrong_shape():
    problem = bench_peers.Problem.random(2, 3, 4, 5, 6, one_hot=False, dtype=np.float64)
    ours = bench_peers.make_numpy(problem)()
    assert bench_peers.gradient_disagreement(ours, ours) == 0.0
    assert bench_peers.gradient_disagreement(ours, {**ours, "xs": ours["xs"][0]}) == float("inf")


def test_one_hot_problems_have_exactly_one_one_per_step():
    problem = bench_peers.Problem.random(2, 4, 6, 5, 6, one_hot=True, dtype=np.float32)
    assert np.array_equal(problem.xs.sum(axis=-1), np.ones((2, 4), dtype=np.float32))


def test_bad_options_are_refused_with_a_message(capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(["--sizes", "S9"])
    message = capsys.readouterr().err
    assert "--sizes" in message and "S9" in message


def test_the_page_renders_the_recorded_run(tiny_run, tmp_path, monkeypatch):
    _, report = tiny_run
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(report))
    monkeypatch.setattr(performance, "RESULTS", path)
    table = performance.main_table()
    assert table.count("rnn-math (NumPy)") == len(report["cases"])
    assert f"`{report['command']}`" in performance.setup()
    ratios = performance.ratios()
    for case in (c for c in report["cases"] if c["dtype"] == "float32"):
        for r in case["implementations"].values():
            if "numpy_time_ratio" in r:
                assert f"{r['numpy_time_ratio']:.2f}×" in ratios
    assert performance.time_figure().startswith('<figure class="rm-figure">')
    for size, table in (("S2", performance.stages_s2()), ("S3", performance.stages_s3())):
        assert all(stage in table for stage in bench_peers.STAGES) and f"{size}: stage of" in table
    assert "S2" in performance.versus_loop() and "S3" in performance.versus_loop()
    assert performance.limits().count("\n- ") == 2
    assert performance.scaling_figure().startswith('<figure class="rm-figure">')
    assert len(performance.scaling_table().splitlines()) == 2 + len(report["scaling"])


def test_the_page_shows_the_cost_of_exactness_at_every_size_and_dtype(tiny_run, tmp_path, monkeypatch):
    _, report = tiny_run
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(report))
    monkeypatch.setattr(performance, "RESULTS", path)
    table = performance.exactness_cost()
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(report["cases"])
    for case, row in zip(report["cases"], rows, strict=True):
        ratio = case["implementations"]["textbook"]["numpy_time_ratio"]
        assert row.startswith(f"| {case['size']} | {case['dtype']} |") and row.endswith(f"| {ratio:.3f}× |")
    values = [c["implementations"]["textbook"]["numpy_time_ratio"] for c in report["cases"]]
    assert f"between {min(values):.3f}× and {max(values):.3f}×" in performance.exactness_range()


def test_the_stage_tables_put_the_textbook_twins_stage_times_beside_ours(tiny_run, tmp_path, monkeypatch):
    _, report = tiny_run
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(report))
    monkeypatch.setattr(performance, "RESULTS", path)
    for size, table in (("S2", performance.stages_s2()), ("S3", performance.stages_s3())):
        case = next(c for c in report["cases"] if c["size"] == size and c["dtype"] == "float32")
        assert "| textbook slope ms | accurate / textbook |" in table.splitlines()[0]
        for ours, twin, line in zip(case["stages"], case["textbook_stages"], table.splitlines()[2:], strict=False):
            assert line.startswith(f"| {ours['stage']} |")
            assert line.endswith(
                f"| {performance._ms(twin['median_ms'])} | {ours['median_ms'] / twin['median_ms']:.2f}× |"
            )


def _without_the_twin(report: dict) -> dict:
    """A results file as the benchmark wrote it before it timed the textbook twin."""
    old = json.loads(json.dumps(report))
    for case in old["cases"]:
        case["implementations"].pop("textbook")
        case.pop("textbook_stages")
    for row in old["scaling"]:
        for key in ("median_ms", "q1_ms", "q3_ms"):
            row[key].pop("textbook")
    return old


def test_every_compute_on_the_page_renders_from_a_run_without_the_textbook_twin(tiny_run, tmp_path, monkeypatch):
    _, report = tiny_run
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(_without_the_twin(report)))
    monkeypatch.setattr(performance, "RESULTS", path)
    page = (ROOT / "docs" / "performance.md").read_text()
    names = re.findall(r"\{\{compute performance\.(\w+)\}\}", page)
    assert {"exactness_cost", "exactness_range", "ratios", "stages_s2", "stages_s3"} <= set(names)
    rendered = {name: getattr(performance, name)() for name in names}
    assert rendered["exactness_cost"] == performance.NO_TEXTBOOK and rendered["exactness_range"] == ""
    assert "textbook" not in rendered["stages_s2"] and "textbook" not in rendered["stages_s3"]


def test_the_page_speaks_of_what_was_measured_not_of_targets():
    """Nothing on the page or the API page of the benchmark compares with numbers from elsewhere."""
    banned = re.compile(r"target|wanted|not met|issue|baseline|machine where", re.IGNORECASE)
    page = (ROOT / "docs" / "performance.md").read_text()
    names = re.findall(r"\{\{compute performance\.(\w+)\}\}", page)
    rendered = [getattr(performance, name)() for name in names if not name.endswith("figure")]
    assert [m.group() for text in (page, *rendered) for m in banned.finditer(text)] == []
    from rnn_math.apps.bench import format as bench_format

    trees = [ast.parse(Path(module.__file__).read_text()) for module in (bench, bench_peers, bench_format)]
    docstrings = [
        ast.get_docstring(node) or ""
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
    ]
    api_banned = re.compile(r"issue|the targets (were|the)|its targets|wanted|not met|baseline", re.IGNORECASE)
    assert [m.group() for text in docstrings for m in api_banned.finditer(text)] == []


def test_the_committed_results_file_is_a_full_run():
    """The page shows a real run at the issue's sizes, not the toy sizes of the test above."""
    report = json.loads(Path(performance.RESULTS).read_text())
    assert not report["tiny"]
    assert {c["size"] for c in report["cases"]} == set(SIZES)
    for case in report["cases"]:
        size = bench.SIZES[case["size"]]
        assert (case["B"], case["T"], case["d"], case["D_h"], case["V"]) == (size.B, size.T, size.d, size.D_h, size.V)
    assert [row["T"] for row in report["scaling"]] == list(bench.SCALING_T)


# --- the textbook-slope twin: what the accurate slope is measured against ------------------------


def test_the_textbook_twin_always_runs_and_agrees_before_it_is_timed(tiny_run):
    _, report = tiny_run
    for case in report["cases"]:
        assert list(case["implementations"])[:3] == ["numpy", "textbook", "loop"]
        twin = case["implementations"]["textbook"]
        assert twin["status"] == "ok" and twin["max_relative_difference"] <= bench.AGREEMENT[case["dtype"]]
        assert twin["numpy_time_ratio"] == pytest.approx(
            case["implementations"]["numpy"]["median_ms"] / twin["median_ms"]
        )


def test_the_scaling_rows_time_the_textbook_twin_too(tiny_run):
    _, report = tiny_run
    assert all(row["median_ms"]["textbook"] > 0 for row in report["scaling"])


def test_every_case_times_the_textbook_twins_five_stages_in_order(tiny_run):
    _, report = tiny_run
    for case in report["cases"]:
        assert [st["stage"] for st in case["textbook_stages"]] == list(bench_peers.STAGES)
        assert all(0 < st["q1_ms"] <= st["median_ms"] <= st["q3_ms"] for st in case["textbook_stages"])
        assert [st["flops"] for st in case["textbook_stages"]] == [st["flops"] for st in case["stages"]]


def test_the_printed_stage_table_shows_the_textbook_twins_times(tiny_run):
    stdout, report = tiny_run
    case = report["cases"][0]
    lines = stdout.splitlines()
    start = lines.index(next(line for line in lines if "where our time goes" in line and "textbook" in line))
    for st, twin, line in zip(case["stages"], case["textbook_stages"], lines[start + 1 : start + 6], strict=True):
        assert line.split()[0] == st["stage"].split()[0] and line.endswith(f"{twin['median_ms']:>10.3f} ms")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["S1", "S2", "S3"])
def test_the_textbook_twin_agrees_with_bptt_at_the_benchmarks_inputs(name, dtype):
    size = bench.TINY_SIZES[name]
    problem = bench_peers.Problem.random(size.B, size.T, size.d, size.D_h, size.V, one_hot=size.one_hot, dtype=dtype)
    disagreement = bench_peers.gradient_disagreement(
        bench_peers.make_numpy(problem)(), bench_textbook.make_textbook(problem)()
    )
    assert disagreement <= bench.AGREEMENT[np.dtype(dtype).name]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_textbook_stages_compute_exactly_what_the_textbook_twin_computes(dtype):
    problem = bench_peers.Problem.random(3, 5, 4, 6, 5, one_hot=False, dtype=dtype)
    seconds, staged = bench_textbook.make_textbook_staged(problem)()
    whole = bench_textbook.make_textbook(problem)()
    assert len(seconds) == len(bench_peers.STAGES) and all(s >= 0 for s in seconds)
    for name in bench_peers.GRADIENT_NAMES:
        np.testing.assert_array_equal(staged[name], whole[name])


def _saturated_problem(b_1: np.ndarray, b_2: np.ndarray, targets: np.ndarray) -> bench_peers.Problem:
    B, T = targets.shape
    base = bench_peers.Problem.random(B, T, 4, b_1.size, b_2.size, one_hot=False, dtype=np.float64)
    params = RNNParams(**{**base.params.as_dict(), "b_1": b_1, "b_2": b_2})
    return bench_peers.Problem(params, base.xs, targets, base.h_0)


def test_the_textbook_twin_takes_the_slope_from_h_so_it_vanishes_in_saturation():
    """|z| near 30: tanh rounds to ±1, so 1 − h² is exactly 0 though σ'(z) is about 1e-26."""
    b_1 = 30.0 * np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    problem = _saturated_problem(b_1, np.zeros(3), np.zeros((2, 3), dtype=np.intp))
    grads = bench_textbook.make_textbook(problem)()
    assert all(np.all(grads[name] == 0.0) for name in ("W_h", "W_e", "b_1", "xs", "h_0"))
    assert np.all(tanh_derivative(b_1 + 3.0) > 0) and np.all(
        tanh_derivative(b_1 - 3.0) > 0
    )  # the true slopes are not 0


def test_the_textbook_twin_forms_y_hat_minus_one_by_subtraction_so_it_cancels_when_sure():
    """A logit 40 above the others: ŷ_k rounds to 1, so ŷ_k − 1 is exactly 0 though it is about −8.5e-18."""
    problem = _saturated_problem(np.zeros(5), np.array([40.0, 0.0, 0.0]), np.zeros((1, 1), dtype=np.intp))
    grad_b_2 = bench_textbook.make_textbook(problem)()["b_2"]
    assert grad_b_2[0] == 0.0 and np.all(grad_b_2[1:] > 0)


def _private_imports(module) -> list[tuple[str, str]]:
    """(enclosing function, name) of every underscore name a module imports from this package."""
    found = []
    tree = ast.parse(Path(module.__file__).read_text())
    for function in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        body = function.body if function is not tree else [n for n in tree.body if not isinstance(n, ast.FunctionDef)]
        for node in (n for statement in body for n in ast.walk(statement)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnn_math"):
                where = getattr(function, "name", "<module>")
                found += [(where, alias.name) for alias in node.names if alias.name.startswith("_")]
    return found


def test_the_benchmark_imports_no_private_name_even_to_time_bptts_own_steps():
    from rnn_math.apps.bench import format as bench_format

    # bptt's steps are the public stages of rnn_math.rnn.fast_path: timing them needs no private name.
    assert (
        _private_imports(bench) == [] and _private_imports(bench_format) == [] and _private_imports(bench_peers) == []
    )


# --- the gated cells: the LSTM's and the GRU's fast paths against nn.LSTM / nn.GRU and JAX -------------


def test_the_gated_cells_are_raced_at_s2_and_s3_in_the_same_run(tiny_run):
    stdout, report = tiny_run
    cases = {(c["cell"], c["size"], c["dtype"]) for c in report["gated_cases"]}
    assert cases == {(cell, size, "float32") for cell in ("lstm", "gru") for size in ("S2", "S3")}
    for case in report["gated_cases"]:
        assert f"{case['cell'].upper()} {case['size']} {case['dtype']}: " in stdout
        size = bench.TINY_SIZES[case["size"]]
        assert case["flops"] == gated.gated_flops(case["cell"], size.B, size.T, size.d, size.D_h, size.V)
        assert [st["stage"] for st in case["stages"]] == list(bench_peers.STAGES)
        assert sum(st["flops"] for st in case["stages"]) == case["flops"]
        for name in ("torch", "jax"):
            r = case["implementations"][name]
            if report["peers"][name] == "ok":
                assert r["max_relative_difference"] <= bench.AGREEMENT[case["dtype"]] and r["numpy_time_ratio"] > 0
            else:
                assert r["status"].startswith("skipped") and "median_ms" not in r
    assert set(report["machine"]["load_average"]) == {"start", "end"}


@pytest.mark.parametrize("peer", ["torch", "jax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_gated_peer_computes_the_gradients_of_our_fast_path(cell, dtype, peer):
    """The honest correctness check of a peer: the same loss and every gradient as ours, array by array."""
    pytest.importorskip(peer)
    problem = gated.GatedProblem.random(cell, 3, 5, 4, 6, 5, dtype=dtype)
    ours = gated.make_gated_numpy(problem)()
    theirs = gated.GATED_IMPLEMENTATIONS[peer](problem)()
    assert set(theirs) == set(gated.gated_names(cell))
    limit = bench.AGREEMENT[np.dtype(dtype).name]
    for name in gated.gated_names(cell):  # per gradient: a small one must not hide behind a large one
        assert gated.gated_disagreement(cell, {**ours, name: ours[name]}, {**ours, name: theirs[name]}) <= limit, name


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_gated_stages_compute_exactly_what_the_fast_path_computes(cell):
    problem = gated.GatedProblem.random(cell, 3, 5, 4, 6, 5, dtype=np.float64)
    seconds, staged = gated.make_gated_staged(problem)()
    ours = gated.make_gated_numpy(problem)()
    assert len(seconds) == len(bench_peers.STAGES) and all(s >= 0 for s in seconds)
    for name in gated.gated_names(cell):
        np.testing.assert_array_equal(staged[name], ours[name])


def test_a_gated_peer_whose_gradients_differ_is_not_timed(monkeypatch):
    """Negative control for the gate: the GRU's W_hn gradient off by one part in a million."""

    def slightly_wrong(problem):
        run = gated.make_gated_numpy(problem)
        return lambda: {**run(), "W_hn": run()["W_hn"] * (1 + 1e-6)}

    monkeypatch.setitem(gated.GATED_IMPLEMENTATIONS, "torch", slightly_wrong)
    case = gated_case.run_gated_case(
        "gru", bench.TINY_SIZES["S2"], "float64", ["torch"], {"torch": None}, rounds=2, peak_n=8, budget=0
    )
    r = case["implementations"]["torch"]
    assert r["status"].startswith("not timed") and "median_ms" not in r
    assert 1e-7 < r["max_relative_difference"] < 1e-5


def test_the_gated_flop_count_is_the_nine_products_with_stacked_gates():
    B, T, d, D_h, V = 2, 3, 5, 7, 11
    for cell, G in (("lstm", 4), ("gru", 3)):
        products = [(G * D_h, d), (G * D_h, D_h), (D_h, V)] * 3  # forward, backward, gradients
        assert gated.gated_flops(cell, B, T, d, D_h, V) == sum(2 * B * T * m * n for m, n in products)
        assert sum(gated.gated_stage_flops(cell, B, T, d, D_h, V)) == gated.gated_flops(cell, B, T, d, D_h, V)


def test_an_existing_results_file_is_kept_unless_forced(tmp_path, capsys):
    existing = tmp_path / "benchmark.json"
    existing.write_text("{}")
    with pytest.raises(SystemExit):
        bench.parse_args(["--output", str(existing)])
    assert "--force" in capsys.readouterr().err
    assert bench.parse_args(["--output", str(existing), "--force"]).force
    assert existing.read_text() == "{}"


def test_the_page_renders_the_gated_rows(tiny_run, tmp_path, monkeypatch):
    _, report = tiny_run
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(report))
    monkeypatch.setattr(performance, "RESULTS", path)
    table = gated_performance.gated_table()
    assert len(table.splitlines()) == 2 + len(report["gated_cases"])
    for case in report["gated_cases"]:
        for name in ("torch", "jax"):
            r = case["implementations"][name]
            if "numpy_time_ratio" in r:
                assert f"**{r['numpy_time_ratio']:.2f}×**" in table
                if name == "torch":
                    assert f"{r['numpy_time_ratio']:.2f}×" in gated_performance.gated_ratio_range()
    stages = gated_performance.gated_stages()
    assert all(stage in stages for stage in bench_peers.STAGES)
    assert "Load average" in performance.setup()
    path.write_text(json.dumps({**report, "gated_cases": []}))
    monkeypatch.setattr(performance, "RESULTS", tmp_path / "benchmark.json")
    performance._load.cache_clear()
    assert gated_performance.gated_table() == gated_performance.NO_GATED
