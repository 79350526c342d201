"""MkDocs hooks: vendored scripts served by the site itself, and page markers rendered.

Registered in ``mkdocs.yml`` under ``hooks:``. Three jobs:

1. ``on_files``: add KaTeX, Mermaid and a Devanagari font (installed from the npm registry by ``make setup``,
   never committed) to the built site, so that no page requests another host.
2. ``on_page_markdown``: replace ``{{eq}}``, ``{{ref}}`` and ``{{compute}}`` markers. Computed
   content comes from the cache (``.cache/site/``) while its inputs are unchanged; what changed is
   computed in worker processes that start with the build (``rnn_math_docs.computations``).
3. Fail the build on an unknown marker, an equation placed twice or on a page with no chapter.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from rnn_math_docs.cache import CACHE_DIR, ComputeCache
from rnn_math_docs.computations import Computations, ComputeFailed
from rnn_math_docs.docs_index import DocsIndex, scan_docs
from rnn_math_docs.render import MarkerError, render_markers

#: Served path below the site root → path below node_modules/. A trailing "/" copies a folder.
VENDORED = {
    "assets/vendor/katex/katex.min.js": "katex/dist/katex.min.js",
    "assets/vendor/katex/katex.min.css": "katex/dist/katex.min.css",
    "assets/vendor/katex/contrib/auto-render.min.js": "katex/dist/contrib/auto-render.min.js",
    "assets/vendor/katex/fonts/": "katex/dist/fonts/",
    "assets/vendor/mermaid/mermaid.min.js": "mermaid/dist/mermaid.min.js",
    # Hindi text must render on machines without a Devanagari system font, without a font host.
    "assets/vendor/fonts/noto-sans-devanagari-400.woff2": (
        "@fontsource/noto-sans-devanagari/files/noto-sans-devanagari-devanagari-400-normal.woff2"
    ),
    "assets/vendor/fonts/noto-sans-devanagari-700.woff2": (
        "@fontsource/noto-sans-devanagari/files/noto-sans-devanagari-devanagari-700-normal.woff2"
    ),
}

_index: DocsIndex | None = None
_computations: Computations | None = None


def node_modules(config: MkDocsConfig) -> Path:
    """The node_modules folder beside mkdocs.yml."""
    return Path(config.config_file_path).resolve().parent / "node_modules"


def vendored_files(modules: Path) -> dict[str, Path]:
    """Every vendored file as ``{served path: source path}``; raise if set-up has not run."""
    found: dict[str, Path] = {}
    for served, source in VENDORED.items():
        origin = modules / source
        if not origin.exists():
            raise PluginError(f"{origin} is missing: the site's JavaScript assets are not installed. Run 'make setup'.")
        if served.endswith("/"):
            for item in sorted(origin.iterdir()):
                found[served + item.name] = item
        else:
            found[served] = origin
    return found


def page_order(page: str) -> tuple:
    """The order in which MkDocs renders pages: each folder's index first, folders last."""
    parts = page.split("/")
    return (parts[:-1], parts[-1] != "index.md", parts[-1])


def start_computations(index: DocsIndex) -> Computations:
    """Look every computed target up in the cache and start computing the misses."""
    global _computations
    stop_computations()
    targets = [target for page in sorted(index.computes, key=page_order) for target in index.computes[page]]
    _computations = Computations(targets, ComputeCache())
    return _computations


def stop_computations() -> None:
    """Stop the worker processes of the last build, if any are left."""
    global _computations
    if _computations is not None:
        _computations.close()
        _computations = None


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Index the docs once per build (numbers depend on every page), check placements, and start
    the computations whose cached results are out of date."""
    global _index
    scan_docs.cache_clear()
    _index = scan_docs(Path(config.docs_dir))
    problems = list(_index.problems)
    problems += [
        f"{eq_id} is displayed on {len(places)} pages: " + ", ".join(p.page for p in places)
        for eq_id, places in _index.placements.items()
        if len(places) > 1
    ]
    if problems:
        raise PluginError("equation placement: " + "; ".join(problems))
    start_computations(_index)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Serve the vendored KaTeX and Mermaid files from the site itself."""
    for served, source in vendored_files(node_modules(config)).items():
        files.append(File.generated(config, served, abs_src_path=str(source)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace the page's markers by equations, references and computed content."""
    assert _index is not None and _computations is not None, "on_config runs before any page"
    try:
        return render_markers(markdown, _index, _computations.get)
    except (MarkerError, ComputeFailed) as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from error


def template_cache(environment: Environment, owner: str) -> None:
    """Keep the compiled templates of ``owner``'s Jinja environment between builds.

    Compiling the theme's and mkdocstrings' templates took about a second of every build. Jinja
    stores the code with a checksum of the template's source and reuses it only while that
    matches; a folder per owner and version keeps environments with other settings apart.
    """
    folder = CACHE_DIR / "templates" / f"{owner}-{metadata.version(owner)}"
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def on_pre_build(config: MkDocsConfig) -> None:
    """mkdocstrings renders the API pages with its own Jinja environment: cache its templates."""
    template_cache(config.plugins["mkdocstrings"].get_handler("python").env, "mkdocstrings-python")


def on_env(env: Environment, config: MkDocsConfig, files: Files) -> Environment:
    """The theme's Jinja environment, created anew for each build: cache its templates."""
    template_cache(env, "mkdocs-material")
    return env


def on_post_build(config: MkDocsConfig) -> None:
    """Every page is rendered: no worker process is needed any more."""
    stop_computations()


def on_build_error(error: Exception) -> None:
    """A failed build leaves no worker process behind."""
    stop_computations()
