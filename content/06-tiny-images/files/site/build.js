// The site's build step: reads src/, writes dist/.
// - style.css is minified and renamed after its content (style.<hash>.css),
//   so browsers may cache it forever: a new version gets a new name;
// - index.html is minified, its comments dropped, and it links the new name.
// Plain Node.js, no dependencies: `npm run build` runs it.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const src = path.join(__dirname, "src");
const dist = path.join(__dirname, "dist");

function minifyCSS(css) {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, "") // comments
    .replace(/\s+/g, " ") // runs of whitespace
    .replace(/\s*([{}:;,>])\s*/g, "$1") // spaces around punctuation
    .replace(/;}/g, "}")
    .trim();
}

function minifyHTML(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, "") // comments
    .replace(/>\s+</g, "><") // whitespace between tags
    .replace(/\s+/g, " ")
    .trim();
}

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist);

const css = minifyCSS(fs.readFileSync(path.join(src, "style.css"), "utf8"));
const hash = crypto.createHash("sha256").update(css).digest("hex").slice(0, 8);
const cssName = `style.${hash}.css`;
fs.writeFileSync(path.join(dist, cssName), css + "\n");

const page = fs.readFileSync(path.join(src, "index.html"), "utf8");
if (!page.includes('href="style.css"')) {
  console.error('build: src/index.html does not link href="style.css"');
  process.exit(1);
}
const html = minifyHTML(page.replace('href="style.css"', `href="${cssName}"`));
fs.writeFileSync(path.join(dist, "index.html"), html + "\n");

for (const name of fs.readdirSync(dist)) {
  console.log(`dist/${name}\t${fs.statSync(path.join(dist, name)).size} bytes`);
}
