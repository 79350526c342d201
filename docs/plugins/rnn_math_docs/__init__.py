"""Site tooling: turns the equation registry and the package's computations into pages.

Nothing here is mathematics. Pages use three markers, replaced when the site is built:

- ``{{eq eq-forward-z}}`` on a line of its own: the equation, numbered, with permalink and code links;
- ``{{ref eq-forward-z}}`` inline: a numbered link to an equation on any page;
- ``{{compute module.function}}``: the Markdown returned by ``rnn_math_docs.module.function()``,
  so that every number on a page is computed by the package at build time.
"""
