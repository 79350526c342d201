"""Figures for pages, drawn with Matplotlib when the site is built and inlined as SVG.

Inlining keeps every figure inside its page (nothing to fetch), and text is drawn as paths, so
no font is requested either.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display when the site is built

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

plt.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "rnn-math", "figure.dpi": 100})


def new_figure(width: float = 6.4, height: float = 3.6) -> tuple[Figure, plt.Axes]:
    """A figure with one axes, sized in inches."""
    figure, axes = plt.subplots(figsize=(width, height), layout="constrained")
    return figure, axes


def svg_figure(figure: Figure, caption: str) -> str:
    """The figure as an inline SVG inside an HTML ``<figure>`` with a caption; the figure is closed.

    The SVG's metadata date is removed so that the same numbers give the same page.
    """
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: not allowed inside HTML
    return f'<figure class="rm-figure">\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>\n'
