// Reads a JSON list of LaTeX strings on stdin; prints a JSON list of [index, error] for those
// the site's KaTeX cannot typeset in display mode. Used by tests/test_site.py.
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const failures = [];
  JSON.parse(input).forEach((latex, index) => {
    try {
      katex.renderToString(latex, { displayMode: true, throwOnError: true });
    } catch (error) {
      failures.push([index, String(error.message)]);
    }
  });
  process.stdout.write(JSON.stringify(failures));
});
