package lessons

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the one goldmark configuration for lessons. Raw HTML is never
// passed through (goldmark's default: it is replaced by a comment); links
// and images go through linkFilter; code blocks through codeRenderer.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList),
	goldmark.WithParserOptions(
		parser.WithAttribute(), // for "## Heading {#id}"
		parser.WithASTTransformers(util.Prioritized(linkFilter{}, 100)),
	),
	goldmark.WithRendererOptions(
		renderer.WithNodeRenderers(util.Prioritized(codeRenderer{}, 100)),
	),
)

// renderState is what the parser context carries for one lesson: where
// relative links point and which ones were seen (for Lint).
type renderState struct {
	slug  string
	base  int // line of the source's line 0 in lesson.md
	links []linkRef
}

// linkRef is a relative link or image found in a lesson.
type linkRef struct {
	target string // path relative to the lesson folder, unescaped, no query/fragment
	line   int
	image  bool
}

var stateKey = parser.NewContextKey()

// parseMarkdown parses src (whose first line is line base+1 of lesson.md)
// with the lesson's render state.
func parseMarkdown(src []byte, st *renderState, base int) ast.Node {
	st.base = base
	pc := parser.NewContext()
	pc.Set(stateKey, st)
	return markdown.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
}

// renderNode renders a parsed node (a document or a step's document).
func renderNode(src []byte, n ast.Node) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, src, n); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // #nosec: goldmark output with raw HTML dropped and URLs filtered
}

// renderMarkdown parses and renders a standalone markdown snippet (a hint).
func renderMarkdown(src []byte, st *renderState, base int) (template.HTML, error) {
	return renderNode(src, parseMarkdown(src, st, base))
}

// lineAt is the 1-based line of byte offset off in src.
func lineAt(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return bytes.Count(src[:off], []byte("\n")) + 1
}

// codeRenderer draws code blocks with a copy button, and a run button when
// the info string holds the word "run".
type codeRenderer struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (r codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.render)
	reg.Register(ast.KindCodeBlock, r.render)
}

func (codeRenderer) render(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	lang, run := "", false
	if f, ok := n.(*ast.FencedCodeBlock); ok && f.Info != nil {
		lang, run = parseInfo(string(f.Info.Segment.Value(src)))
	}
	_, _ = w.WriteString(`<div class="code"><pre><code`)
	if lang != "" {
		_, _ = w.WriteString(` class="language-` + lang + `"`)
	}
	_ = w.WriteByte('>')
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
	}
	_, _ = w.WriteString(`</code></pre><button type="button" class="copy" data-action="copy">Copy</button>`)
	if run {
		_, _ = w.WriteString(`<button type="button" class="run" data-testid="run" data-action="run">Run</button>`)
	}
	_, _ = w.WriteString("</div>\n")
	return ast.WalkSkipChildren, nil
}

// parseInfo reads a fence's info string: the language is the first word that
// is not "run" (kept to safe characters), run is whether "run" is a word.
func parseInfo(info string) (lang string, run bool) {
	for _, word := range strings.Fields(info) {
		if word == "run" {
			run = true
			continue
		}
		if lang == "" {
			lang = safeLanguage(word)
		}
	}
	return lang, run
}

func safeLanguage(word string) string {
	var b strings.Builder
	for _, c := range word {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+-.", c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// infoWord is the first word of a fenced block's info string ("" for none).
func infoWord(n *ast.FencedCodeBlock, src []byte) string {
	if n.Info == nil {
		return ""
	}
	fields := strings.Fields(string(n.Info.Segment.Value(src)))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// blockText is the text of a block's lines (a code block's content).
func blockText(n ast.Node, src []byte) string {
	var b strings.Builder
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}
