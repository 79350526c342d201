"""The package keeps its layers: small modules, no reach into another module's private names,
and a curated public API (``__all__``) in every package ``__init__``.

Each rule is a function over a folder, so that each is also shown to fail: the negative controls
below plant one violation in a temporary package and check that the rule reports it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "rnn_math"
SITE_TOOLING = ROOT / "docs" / "plugins"

#: "No module over about 400 lines."
MAX_LINES = 400

#: Modules another helper is splitting right now (path relative to the repository). Empty it once
#: they are split: the rule then holds for every module without exception.
SPLIT_IN_PROGRESS: frozenset[str] = frozenset()

#: Packages whose ``__init__`` another helper is writing right now. Empty it once they are written.
INIT_IN_PROGRESS: frozenset[str] = frozenset()


def _modules(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def _dotted(path: Path, top: Path) -> str:
    """``top/a/b.py`` → ``<top name>.a.b``; a package's ``__init__`` is the package."""
    parts = path.relative_to(top.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def long_modules(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Every module under `root` with more than `limit` lines, by path relative to `root`'s parent."""
    counts = {
        str(path.relative_to(root.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in _modules(root)
    }
    return {path: n for path, n in counts.items() if n > limit}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(module: str | None, level: int, here: str, is_package: bool) -> str:
    """The absolute module name of ``from <level dots><module> import ...`` written in module `here`."""
    if level == 0:
        return module or ""
    base = here.split(".") if is_package else here.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _attribute_path(node: ast.expr) -> list[str] | None:
    """``a.b.c`` → ["a", "b", "c"]; None if the chain does not start at a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def private_reaches(path: Path, here: str, package: str) -> list[str]:
    """Every use, in module `here` (file `path`), of a private name of another module of `package`.

    Finds ``from package.x import _name`` (relative imports too) and ``x._name`` where ``x`` is
    bound to a module of `package` by ``import package.x [as x]`` or ``from package import x``.
    A module may use its own private names; dunder names (``__version__``) are not private.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    in_package = lambda name: name == package or name.startswith(package + ".")  # noqa: E731
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name → module of `package` it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if in_package(alias.name):
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node.module, node.level, here, is_package)
            if not in_package(source):
                continue
            for alias in node.names:
                if _is_private(alias.name) and source != here:
                    found.append(f"{here}:{node.lineno}: from {source} import {alias.name}")
                else:
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            chain = _attribute_path(node.value)
            if chain is None or chain[0] not in aliases:
                continue
            owner = ".".join([aliases[chain[0]], *chain[1:]])
            if owner != here and _is_module(owner):
                found.append(f"{here}:{node.lineno}: {owner}.{node.attr}")
    return found


def _is_module(name: str) -> bool:
    try:
        return name in sys.modules or importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a name inside a module, not a submodule
        return False


def all_private_reaches(folders: list[Path], package: str) -> list[str]:
    """`private_reaches` over every module under `folders`: each a package, or a folder on the path."""
    found = []
    for folder in folders:
        top = folder if (folder / "__init__.py").exists() else None
        for path in _modules(folder):
            here = _dotted(path, top) if top else _dotted(path, folder).partition(".")[2]
            found += private_reaches(path, here, package)
    return found


def init_problems(root: Path) -> list[str]:
    """Every package under `root` whose ``__init__`` has no ``__all__``, or names in it that do not import."""
    problems = []
    for init in sorted(root.rglob("__init__.py")):
        name = _dotted(init, root)
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            problems.append(f"{name}: no __all__")
            continue
        for item in exported:
            if not hasattr(module, item):
                problems.append(f"{name}: __all__ names {item!r}, which does not import")
            elif _is_module(f"{name}.{item}") and not isinstance(getattr(module, item), types.ModuleType):
                # ``import package.item as m`` would then bind the object, not the module
                problems.append(f"{name}: __all__ names {item!r}, which hides the submodule {name}.{item}")
    return problems


# The rules, on this repository.


def test_no_module_of_the_package_is_over_400_lines():
    too_long = {path: n for path, n in long_modules(PACKAGE).items() if path not in SPLIT_IN_PROGRESS}
    assert too_long == {}, f"modules over {MAX_LINES} lines (split them): {too_long}"


def test_the_allow_list_names_only_modules_that_are_still_too_long():
    # An entry for a module already split would let it grow back unnoticed.
    assert SPLIT_IN_PROGRESS <= set(long_modules(PACKAGE)), sorted(SPLIT_IN_PROGRESS - set(long_modules(PACKAGE)))


def test_no_module_uses_another_modules_private_name():
    assert all_private_reaches([PACKAGE, SITE_TOOLING], "rnn_math") == []


def test_every_package_init_has_an_all_whose_every_name_imports():
    problems = [p for p in init_problems(PACKAGE) if p.split(":")[0] not in INIT_IN_PROGRESS]
    assert problems == []


def test_the_init_allow_list_names_only_packages_still_without_an_all():
    missing = {p.split(":")[0] for p in init_problems(PACKAGE) if p.endswith("no __all__")}
    assert INIT_IN_PROGRESS <= missing, sorted(INIT_IN_PROGRESS - missing)


# Negative controls: each rule reports a planted violation.


@pytest.fixture
def planted(tmp_path, monkeypatch):
    """A throwaway package ``planted_pkg`` on the path, with a module ``a`` that has a private name."""
    package = tmp_path / "planted_pkg"
    package.mkdir()
    (package / "__init__.py").write_text('"""A package."""\n\n__all__ = ["a"]\n\nfrom planted_pkg import a\n')
    (package / "a.py").write_text("def _hidden():\n    return 1\n\n\ndef shown():\n    return _hidden()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    for name in [name for name in sys.modules if name.split(".")[0] == "planted_pkg"]:
        del sys.modules[name]


def test_a_module_one_line_over_the_limit_is_reported(planted):
    (planted / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (planted / "fits.py").write_text("x = 1\n" * MAX_LINES)
    assert long_modules(planted) == {"planted_pkg/big.py": MAX_LINES + 1}


@pytest.mark.parametrize(
    "source",
    [
        "from planted_pkg.a import _hidden\n",
        "from .a import _hidden\n",
        "from planted_pkg.a import shown, _hidden as h\n",
        "import planted_pkg.a\n\nplanted_pkg.a._hidden()\n",
        "import planted_pkg.a as a\n\na._hidden()\n",
        "from planted_pkg import a\n\na._hidden()\n",
    ],
)
def test_a_reach_into_another_modules_private_name_is_reported(planted, source):
    (planted / "b.py").write_text(source)
    assert [line.split(":")[0] for line in all_private_reaches([planted], "planted_pkg")] == ["planted_pkg.b"]


@pytest.mark.parametrize(
    "source",
    [
        "from planted_pkg.a import shown\n\nshown()\n",
        "from planted_pkg import __all__\n",
        "import planted_pkg.a\n\nplanted_pkg.a.shown()\n",
        "import os\n\nos._exit\n",  # another package's private name is not this rule's business
        "def _mine():\n    return 1\n\n\n_mine()\n",
    ],
)
def test_public_names_dunders_other_packages_and_own_privates_are_not_reported(planted, source):
    (planted / "b.py").write_text(source)
    assert all_private_reaches([planted], "planted_pkg") == []


def test_a_package_init_without_all_is_reported(planted):
    (planted / "sub").mkdir()
    (planted / "sub" / "__init__.py").write_text('"""No curated API."""\n')
    assert init_problems(planted) == ["planted_pkg.sub: no __all__"]


def test_a_name_in_all_that_does_not_import_is_reported(planted):
    (planted / "__init__.py").write_text('__all__ = ["a", "gone"]\n\nfrom planted_pkg import a\n')
    assert init_problems(planted) == ["planted_pkg: __all__ names 'gone', which does not import"]


def test_a_name_in_all_that_hides_a_submodule_is_reported(planted):
    (planted / "__init__.py").write_text('__all__ = ["a"]\n\nfrom planted_pkg.a import shown as a\n')
    assert init_problems(planted) == ["planted_pkg: __all__ names 'a', which hides the submodule planted_pkg.a"]


# The API pages document every module.

API_PAGES = ROOT / "docs" / "api"


def undocumented_modules(root: Path, api_pages: Path) -> list[str]:
    """Every module under `root` that no ``::: module`` directive of the API pages renders."""
    rendered = {
        line.removeprefix(":::").strip()
        for page in api_pages.glob("*.md")
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith(":::")
    }
    names = {_dotted(path, root) for path in _modules(root) if path.name != "__main__.py"}
    return sorted(names - rendered)


def test_every_module_has_a_place_on_the_api_pages():
    assert undocumented_modules(PACKAGE, API_PAGES) == []


def test_a_module_no_api_page_renders_is_reported(planted, tmp_path):
    pages = tmp_path / "api"
    pages.mkdir()
    (pages / "a.md").write_text("# `planted_pkg.a`\n\n::: planted_pkg.a\n")
    (planted / "b.py").write_text('"""Nobody renders me."""\n')
    assert undocumented_modules(planted, pages) == ["planted_pkg", "planted_pkg.b"]
