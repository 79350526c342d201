// Cite an equation: under each equation, a "Cite" panel offers its permalink and two ready
// snippets, a Markdown link and a BibTeX entry, built from the block's data-eq-* attributes.
// The copy buttons use Material's own clipboard handling (any element with
// data-clipboard-text), so nothing is loaded from anywhere. `document$` emits on the first load
// and after every instant-navigation page swap, so the panels are added to every page shown.
(() => {
  const PROJECT = "rnn-math";

  // BibTeX treats these as commands or comments; titles keep their $math$ untouched.
  const bibtexEscape = text => text.replace(/([&%#])/g, "\\$1");

  const element = (tag, attributes = {}, text = "") => {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
    if (text) el.textContent = text;
    return el;
  };

  const copyButton = (text, label, role) =>
    element("button", { type: "button", class: "md-button rm-cite-copy", "data-clipboard-text": text,
                        "data-rm-cite": role, title: `Copy ${label} to the clipboard` }, `Copy ${label}`);

  function snippets(block) {
    const { eqId: id, eqNumber: number, eqTitle: title } = block.dataset;
    // The address the reader is on (a canonical link is not updated by instant navigation).
    const url = `${location.origin}${location.pathname}#${id}`;
    const markdown = `[${PROJECT}, equation (${number}): ${title}](${url})`;
    const bibtex = [
      `@misc{${PROJECT}:${id},`,
      `  title = {${PROJECT}, equation (${number}): ${bibtexEscape(title)}},`,
      `  author = {{The ${PROJECT} authors}},`,
      `  year = {2026},`,
      `  howpublished = {\\url{${url}}},`,
      `  url = {${url}},`,
      `  note = {Equation (${number}), id ${id}},`,
      `  urldate = {${new Date().toISOString().slice(0, 10)}}`,
      `}`,
    ].join("\n");
    return { url, markdown, bibtex };
  }

  function citePanel(block) {
    const { url, markdown, bibtex } = snippets(block);
    const panel = element("details", { class: "rm-cite" });
    panel.append(element("summary", {}, "Cite"));
    panel.append(copyButton(url, "permalink", "permalink"));
    panel.append(element("p", {}, "Markdown"), copyButton(markdown, "Markdown", "markdown"));
    const md = element("pre", {});
    md.append(element("code", { class: "rm-cite-markdown" }, markdown));
    panel.append(md);
    panel.append(element("p", {}, "BibTeX"), copyButton(bibtex, "BibTeX", "bibtex"));
    const bib = element("pre", {});
    bib.append(element("code", { class: "rm-cite-bibtex" }, bibtex));
    panel.append(bib);
    return panel;
  }

  // A cited link must land on its equation. The browser scrolls to the fragment as soon as the
  // page arrives, but formulas and diagrams drawn afterwards change the height of what is above
  // it. For a few seconds, until the reader scrolls, keep the target where the browser put it.
  const fragmentTarget = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    return id ? document.getElementById(id) : null;
  };

  function keepFragmentInView() {
    if (!fragmentTarget() || typeof ResizeObserver === "undefined") return;
    const content = document.querySelector(".md-content") || document.body;
    let done = false;
    const stop = () => { done = true; observer.disconnect(); };
    // The target is looked up each time: a link followed meanwhile changes the fragment.
    const observer = new ResizeObserver(() => { const target = fragmentTarget(); if (!done && target) target.scrollIntoView(); });
    observer.observe(content);
    for (const event of ["wheel", "touchstart", "keydown", "mousedown"])
      addEventListener(event, stop, { once: true, passive: true });
    setTimeout(stop, 5000);
  }

  document$.subscribe(({ body }) => {
    for (const block of body.querySelectorAll(".rm-equation[data-eq-id]")) {
      if (!block.querySelector(":scope > .rm-cite")) block.append(citePanel(block));
    }
    keepFragmentInView();
  });
})();
