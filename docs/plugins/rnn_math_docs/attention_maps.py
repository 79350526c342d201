"""Attention weights drawn as an HTML table: English words across, Hindi words down, weight as colour.

A table rather than a Matplotlib figure, so that its words are text set by the browser in the
site's fonts (Noto Sans Devanagari for the Hindi, served with the site) and stay selectable and
searchable; each cell's colour is the primary colour mixed with transparency in proportion to the
weight, so it reads in both colour schemes, and the weight is written in the cell as well. The
table sits in its own horizontal scroller, so a long sentence never widens the page on a phone.
"""

from __future__ import annotations

from html import escape

import numpy as np

from rnn_math.apps.translator import END, Attended

#: Weights from this one up are written in the page's background colour (on a dark cell).
STRONG = 0.5


def _cell(weight: float) -> str:
    percent = round(100 * weight)
    strong = ' class="rm-strong"' if weight >= STRONG else ""
    style = f"background-color: color-mix(in srgb, var(--md-primary-fg-color) {percent}%, transparent)"
    return f'<td{strong} style="{style}">{weight:.2f}</td>'


def heat_map(attended: Attended, caption: str) -> str:
    """The weights of one translation as an HTML ``<figure>`` holding a scrolling table.

    Rows are the Hindi words in the order emitted (the end token shown as ⟨/s⟩), columns the
    English words; each row sums to 1.
    """
    weights = np.asarray(attended.weights, dtype=float)
    if weights.shape != (len(attended.hindi), len(attended.english)):
        raise ValueError(
            f"attended.weights: expected shape {(len(attended.hindi), len(attended.english))}, got {weights.shape}"
        )
    head = "".join(f'<th scope="col" lang="en">{escape(w)}</th>' for w in attended.english)
    rows = []
    for word, row in zip(attended.hindi, weights, strict=True):
        label = "⟨/s⟩" if word == END else escape(word)
        rows.append(f'<tr><th scope="row" lang="hi">{label}</th>{"".join(_cell(float(w)) for w in row)}</tr>')
    label = escape(f"Attention weights of the translation of “{' '.join(attended.english)}”", quote=True)
    return (
        '<figure class="rm-figure rm-attention-map">\n'
        f'<div class="rm-scroll" tabindex="0" role="region" aria-label="{label}">'
        '<table class="rm-heatmap">'
        f'<thead><tr><th scope="col"><span class="rm-corner">Hindi ↓ English →</span></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>\n"
        f"<figcaption>{caption}</figcaption>\n</figure>\n"
    )
