// Typeset every formula with the site's own KaTeX copy. `document$` emits on the first load
// and again after each instant-navigation page swap, so math is re-rendered after navigating.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  });
});
