"""Mutation testing of the package: run mutmut, record what it found, render the record.

Mutation testing answers "would the tests notice a wrong edit?" by making thousands of small
edits (a ``+`` for a ``-``, a ``T`` dropped, a constant changed), one at a time, and running the
tests against each. An edit the tests do not notice *survives*; every survivor is either a test
to add or an edit that changes nothing observable (an *equivalent* mutant), which
``docs/data/mutation-equivalents.toml`` justifies in one line.

``python -m rnn_math_docs.mutation`` (or ``make mutation``) runs mutmut with the settings under
``[tool.mutmut]`` in pyproject.toml and writes ``docs/data/mutation.json``; the Common-mistakes
page renders that file, so the score, the date, the command and the modules shown there are the
machine's.

What is mutated: every function and method of every module listed in ``only_mutate``. There is no
hand-kept list of functions: a function added to one of those modules is mutated from the next
run on, and input checks are mutated like the rest (a check that lets bad input through, or names
the wrong argument, is a bug like any other). Adding a module means adding its path to
``only_mutate`` and the tests that exercise it to ``pytest_add_cli_args_test_selection``.

What mutmut itself leaves alone: module-level constants, and functions with decorators other than
``staticmethod`` / ``classmethod`` (properties included), because a decorator runs when the
function is defined. Every equation of this project is a function decorated with ``@equation`` or
``@symbolic_twin``; those two only record the function and return it unchanged, so the runner
lets mutmut mutate functions whose decorators are all registry decorators.

Two things a test writer should know. mutmut runs, for each mutant, only the tests that called
the mutated function when it first ran the suite: a value computed once for many tests (a
module-scoped fixture, a cached reference) counts for the first of them only, so a test that
must judge a function should call it itself. And code that runs while a module is imported (a
factory called at module level) has run before any mutant is switched on, so no test can catch
its mutants; such code is better called at run time. Each mutant's tests run in a process forked
from a server that has only imported them (``process_isolation = "forkserver"``), and
``docs/plugins/rnn_math_docs/mutation_plugin.py`` removes any file a test leaves in the shared working folder.

Modules with code that are deliberately not listed, and why:

- ``docs/plugins/rnn_math_docs/`` (this runner included) turns computed results into pages. Its output is
  checked by the strict site build and the page tests, which build the whole site: minutes per
  mutant, for code that formats numbers the mutated modules compute.
- The benchmark (``bench.py``, ``bench_peers.py``, ``bench_format.py``) measures time. Most of
  its mutants would change how long or how often something is timed, which no test can pin down
  on a shared machine; its one verdict (each implementation agrees with ``bptt`` before it is
  timed) is tested by ``tests/test_bench.py``, which runs the benchmark as a separate process.
- The mistake catalogues (``mistakes.py``, ``seq2seq_mistakes.py``) are wrong on purpose: a
  mutant of a wrong formula is another wrong formula, which the checks reject just the same, so
  a survivor there would say nothing; the tests that every mistake is rejected guard them.
- The SymPy twins (``rnn_math/symbolic/``) are the proofs the NumPy code is checked against;
  mutating them would test the proofs, at seconds of symbolic algebra per mutant.
- ``registry.py`` is the bookkeeping of equation ids for the pages (checked by the registry audit
  and the strict build), and its decorators are what this runner's trampolines are built around.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from rnn_math_docs.formatting import markdown_table

ROOT = Path(__file__).resolve().parents[3]
RESULTS = ROOT / "docs" / "data" / "mutation.json"
EQUIVALENTS = ROOT / "docs" / "data" / "mutation-equivalents.toml"
COMMAND = "make mutation"

#: Decorators that record a function and return it unchanged: safe to trampoline.
REGISTRY_DECORATORS = ("equation", "symbolic_twin")

#: Outcomes in which the tests noticed the mutant.
CAUGHT = ("killed", "timeout", "caught by type check", "segfault")


def _is_registry_decorator(decorator) -> bool:
    import libcst as cst

    node = decorator.decorator
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in REGISTRY_DECORATORS


def allow_registry_decorators() -> None:
    """Let mutmut mutate functions decorated only with ``@equation`` / ``@symbolic_twin``.

    mutmut keeps a function's decorators on the trampoline it puts in the function's place, so
    the registry records the trampoline, which has the function's name and module.
    """
    from mutmut.mutation import file_mutation

    visitor = next(
        cls for cls in vars(file_mutation).values() if isinstance(cls, type) and hasattr(cls, "_skip_node_and_children")
    )
    if getattr(visitor._skip_node_and_children, "_registry_aware", False):
        return
    original = visitor._skip_node_and_children

    def skip(self, node) -> bool:
        import libcst as cst

        if isinstance(node, cst.FunctionDef) and node.decorators and all(map(_is_registry_decorator, node.decorators)):
            position = self.get_metadata(file_mutation.PositionProvider, node, None)
            if position is not None and position.start.line in self._ignored_node_lines:
                return original(self, node)  # "pragma: no mutate" still applies
            return original(self, node.with_changes(decorators=[]))
        return original(self, node)

    skip._registry_aware = True  # type: ignore[attr-defined]
    visitor._skip_node_and_children = skip

    # The trampoline keeps the decorators (so the registry records it); the copies mutmut makes
    # of the original and of each mutant must not, or each would register the id once more.
    arrange = file_mutation.function_trampoline_arrangement

    def arrange_without_registering_copies(function, mutants, class_name):
        declarations, nodes, assignments, names = arrange(function, mutants, class_name)
        copies = [
            node.with_changes(decorators=[d for d in node.decorators if not _is_registry_decorator(d)])
            for node in nodes[1:]
        ]
        return declarations, [nodes[0], *copies], assignments, names

    file_mutation.function_trampoline_arrangement = arrange_without_registering_copies


def mutmut_settings(pyproject: Path = ROOT / "pyproject.toml") -> dict:
    """The ``[tool.mutmut]`` table of pyproject.toml."""
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["mutmut"]


def mutated_modules(settings: dict | None = None) -> list[str]:
    """The dotted names of the modules whose every function is mutated (from ``only_mutate``)."""
    paths = (settings or mutmut_settings())["only_mutate"]
    return [path.removesuffix(".py").replace("/", ".") for path in paths]


def in_mutated_module(mutant_id: str, modules: list[str]) -> bool:
    """Whether a mutant id (``package.module.x_function__mutmut_3``) belongs to one of ``modules``."""
    return mutant_id.rpartition(".")[0] in modules


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, dict[str, str]]:
    """Justified survivors: ``{mutant id: {"change": mutated line, "reason": one line}}``."""
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8")).get("mutant", {})


def _changed_line(diff: str) -> str:
    """The mutated line of a mutmut diff (the first added line), stripped."""
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return added[0] if added else ""


def collect() -> list[dict[str, str]]:
    """Every mutant of the last run (read from ``mutants/``): id, module, status, mutated line."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    modules = mutated_modules()
    mutants = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for key, exit_code in sorted(data.exit_code_by_key.items()):
            if not in_mutated_module(key, modules):
                continue
            status = status_by_exit_code[exit_code]
            change = "" if status in CAUGHT else _changed_line(get_diff_for_mutant(key, path=path))
            mutants.append({"id": key, "module": str(path), "status": status, "change": change})
    return mutants


def summarise(mutants: list[dict[str, str]], equivalents: dict[str, dict[str, str]]) -> dict:
    """Counts, score and the survivors, each with its justification if one is on record.

    A justification counts only while it still describes the mutant: its recorded mutated line
    must equal the line mutmut produced (mutant ids are positions, which move when code changes).
    """
    by_status: dict[str, int] = {}
    modules: dict[str, dict[str, int]] = {}
    survivors = []
    for mutant in mutants:
        by_status[mutant["status"]] = by_status.get(mutant["status"], 0) + 1
        row = modules.setdefault(mutant["module"], {"mutants": 0, "caught": 0, "equivalent": 0})
        row["mutants"] += 1
        if mutant["status"] in CAUGHT:
            row["caught"] += 1
            continue
        on_record = equivalents.get(mutant["id"], {})
        reason = on_record.get("reason") if on_record.get("change") == mutant["change"] else None
        if reason:
            row["equivalent"] += 1
        survivors.append({**mutant, "reason": reason})
    total = len(mutants)
    caught = sum(row["caught"] for row in modules.values())
    equivalent = sum(row["equivalent"] for row in modules.values())
    return {
        "total": total,
        "caught": caught,
        "equivalent": equivalent,
        "unexplained": total - caught - equivalent,
        "score": caught / (total - equivalent) if total > equivalent else 1.0,
        "by_status": by_status,
        "modules": modules,
        "survivors": survivors,
    }


def run(max_children: int = 2) -> dict:
    """Run mutmut afresh over the configured modules and write ``docs/data/mutation.json``."""
    os.chdir(ROOT)
    from rnn_math.apps.bench.machine import describe_machine

    described = describe_machine()
    machine = {key: described[key] for key in ("cpu", "logical_cpus", "system")}
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # a fresh run, never a cached verdict
    os.environ.setdefault("HYPOTHESIS_PROFILE", "mutation")
    # A progress bar starts tqdm's monitor thread. mutmut forks one process per mutant, and a child
    # forked while that thread holds tqdm's lock waits for it forever: a hang that mutmut would
    # count as a timeout, a catch the tests never made. Without the monitor thread there is none.
    import tqdm

    tqdm.tqdm.monitor_interval = 0
    allow_registry_decorators()
    from mutmut import __version__ as mutmut_version
    from mutmut.__main__ import cli

    # This module was imported from the package itself; forget that package, so that the tests
    # import the mutated copy mutmut puts first on the path, not the original.
    for name in [name for name in sys.modules if name == "rnn_math" or name.startswith("rnn_math.")]:
        del sys.modules[name]
    started = time.monotonic()
    cli.main(["run", "--max-children", str(max_children)], standalone_mode=False)  # every mutant, none picked
    seconds = time.monotonic() - started
    summary = summarise(collect(), load_equivalents())
    record = {
        "command": COMMAND,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine,
        "mutmut": mutmut_version,
        "seconds": round(seconds),
        "mutated": mutmut_settings()["only_mutate"],
        "tests": mutmut_settings()["pytest_add_cli_args_test_selection"],
        **summary,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return record


# Rendering for the Common-mistakes page ({{compute mutation.report}}).


def load_results(path: Path | None = None) -> dict | None:
    """The last recorded run (``docs/data/mutation.json`` by default), or None if there is none."""
    path = path or RESULTS
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def machine_text(record: dict) -> str:
    """The machine of a recorded run, or that the record does not name one (runs before it was recorded)."""
    machine = record.get("machine")
    if not machine:
        return "on a machine the record does not name"
    return f"on {machine['cpu']} ({machine['logical_cpus']} logical CPUs, {machine['system']})"


def report() -> str:
    """Markdown: the score, date, machine and command of the recorded run, per module, and every survivor."""
    record = load_results()
    if record is None:
        return f"No mutation run is recorded yet: `{COMMAND}` records one."
    lines = [
        f"**Score {record['score']:.1%}**: of {record['total']} mutants, {record['caught']} were caught by the "
        f"tests and {record['equivalent']} are equivalent (justified below); "
        f"{record['unexplained']} {'is' if record['unexplained'] == 1 else 'are'} unexplained. "
        f"Run on {record['date']} {machine_text(record)} with mutmut {record['mutmut']} "
        f"in {record['seconds'] // 60} min "
        f"{record['seconds'] % 60} s; reproduce with `{record['command']}`.",
        "",
        markdown_table(
            ["module", "mutants", "caught", "equivalent"],
            [
                [f"`{module}`", str(row["mutants"]), str(row["caught"]), str(row["equivalent"])]
                for module, row in record["modules"].items()
            ],
            "lrrr",
        ),
        "",
        "Every function of these modules is mutated: " + ", ".join(f"`{m}`" for m in record["mutated"]) + ".",
        "",
        "The tests run against each mutant: " + ", ".join(f"`{t}`" for t in record["tests"]) + ".",
    ]
    if record["survivors"]:
        lines += [
            "",
            "Every mutant the tests did not catch, with the mutated line and why it changes nothing observable:",
            "",
            markdown_table(
                ["mutant", "mutated line", "why it is equivalent"],
                [
                    [f"`{s['id']}`", f"`{s['change'].replace('|', '&#124;')}`", s["reason"] or "**unexplained**"]
                    for s in record["survivors"]
                ],
            ),
        ]
    return "\n".join(lines)


def main() -> int:
    """Entry point of ``python -m rnn_math_docs.mutation``: run, record, print the summary."""
    record = run()
    print(
        f"mutation score {record['score']:.1%}: {record['caught']} caught, {record['equivalent']} equivalent, "
        f"{record['unexplained']} unexplained of {record['total']} ({record['seconds']} s); "
        f"wrote {RESULTS.relative_to(ROOT)}"
    )
    for survivor in record["survivors"]:
        if not survivor["reason"]:
            print(f"  unexplained: {survivor['id']} ({survivor['status']}): {survivor['change']}")
    return 0 if record["unexplained"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
