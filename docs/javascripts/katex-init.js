// Typeset every formula with the site's own KaTeX copy. `document$` emits on the first load
// and again after each instant-navigation page swap, so math is re-rendered after navigating.
(() => {
  // A fraction in a table cell would otherwise be set in text style, at script size: the right
  // and wrong formulas of the mistake tables would be too small to read. Set it as a display.
  // It is also set at the size of the text's formulas, not the table's smaller type.
  function displayStyleInTables(body) {
    for (const math of body.querySelectorAll(".md-typeset td span.arithmatex, .md-typeset th span.arithmatex")) {
      const text = math.textContent;
      if (!text.startsWith("\\(") || !text.includes("\\frac")) continue;
      math.classList.add("rm-cell-display");
      if (!text.includes("\\displaystyle")) math.textContent = "\\(\\displaystyle " + text.slice(2);
    }
  }

  // A formula in a table cell never breaks, so the table's other columns get what is left: a
  // column of sentences would shrink to a word a line. Give a cell of prose a readable width.
  function proseCells(body) {
    for (const cell of body.querySelectorAll(".md-typeset td")) {
      let prose = 0;
      for (const node of cell.childNodes)
        if (node.nodeType === Node.TEXT_NODE || !node.matches(".arithmatex, code")) prose += node.textContent.length;
      if (prose > 60) cell.classList.add("rm-prose-cell");
    }
  }

  // KaTeX draws an equation number (\tag) absolutely positioned at the right of the formula's
  // box, so a formula wider than the screen runs under its number. Move the number out of the
  // formula into its own box beside it: the formula scrolls sideways, the number stays in view.
  function placeEquationNumbers(body) {
    for (const display of body.querySelectorAll(".katex-display")) {
      const tag = display.querySelector(":scope > .katex > .katex-html > .tag");
      if (!tag) continue;
      const number = document.createElement("span");
      number.className = "katex rm-eq-number";  // .katex: the number keeps KaTeX's fonts
      number.append(tag);
      // Auto-render wraps each formula in a span of its own: that span becomes the row.
      let row = display.parentElement;
      if (!(row.matches("div.arithmatex > span") && row.childElementCount === 1)) {
        row = document.createElement("span");
        display.replaceWith(row);
        row.append(display);
      }
      row.classList.add("rm-eq-row");
      row.append(number);
    }
  }

  // A line may break after an inline formula (on a phone it is an inline block, which always
  // allows one), so a ")" or "," right after it could start the next line on its own. Keep the
  // punctuation that touches a formula, before or after, with it in an unbreakable span.
  const OPENING = /[(\[{‘“]+$/u;
  const CLOSING = /^[)\]}.,;:!?’”…]+/u;
  function keepPunctuationWithFormulas(body) {
    for (const math of body.querySelectorAll(".md-typeset span.arithmatex")) {
      if (math.parentElement.matches(".rm-nowrap")) continue;
      const before = math.previousSibling, after = math.nextSibling;
      const opening = before?.nodeType === Node.TEXT_NODE ? before.data.match(OPENING) : null;
      const closing = after?.nodeType === Node.TEXT_NODE ? after.data.match(CLOSING) : null;
      if (!opening && !closing) continue;
      const wrapper = document.createElement("span");
      wrapper.className = "rm-nowrap";
      math.replaceWith(wrapper);
      if (opening) {
        before.data = before.data.slice(0, -opening[0].length);
        wrapper.append(opening[0]);
      }
      wrapper.append(math);
      if (closing) {
        after.data = after.data.slice(closing[0].length);
        wrapper.append(closing[0]);
      }
    }
  }

  document$.subscribe(({ body }) => {
    displayStyleInTables(body);
    proseCells(body);
    renderMathInElement(body, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
    });
    placeEquationNumbers(body);
    keepPunctuationWithFormulas(body);
  });
})();
