package lessons

import (
	"html"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// urlKind is what a link destination turned out to be.
type urlKind int

const (
	urlUnsafe   urlKind = iota // any scheme but http, https, mailto; protocol-relative
	urlExternal                // http:, https:, mailto:
	urlFragment                // "#id"
	urlAbsPath                 // "/lessons/…", a path on this server
	urlRelative                // "img/x.png", relative to the lesson folder
)

// classifyURL decides what a destination is, looking through the tricks
// browsers forgive: entities (javascript&colon;), percent-escapes, control
// characters and whitespace anywhere (jav&#x09;ascript:), and any letter case.
func classifyURL(dest string) urlKind {
	s := dest
	for range 3 { // entities inside entities: &amp;colon;
		s = html.UnescapeString(s)
	}
	if u, err := url.PathUnescape(s); err == nil {
		s = html.UnescapeString(u)
	}
	s = strings.ToLower(strings.Map(dropControlAndSpace, s))
	s = strings.ReplaceAll(s, `\`, "/") // browsers read \ as / in URLs
	switch {
	case s == "" || strings.HasPrefix(s, "#"):
		return urlFragment
	case strings.HasPrefix(s, "//"):
		return urlUnsafe
	}
	if scheme, ok := urlScheme(s); ok {
		switch scheme {
		case "http", "https", "mailto":
			return urlExternal
		}
		return urlUnsafe
	}
	if strings.HasPrefix(s, "/") {
		return urlAbsPath
	}
	return urlRelative
}

func dropControlAndSpace(r rune) rune {
	if r <= 0x20 || r == 0x7f || r == 0xa0 || r == 0xfeff || (r >= 0x2000 && r <= 0x200f) || r == 0x2028 || r == 0x2029 || r == 0x3000 {
		return -1
	}
	return r
}

// urlScheme returns the part before the first ':' when no '/', '?' or '#'
// comes before it.
func urlScheme(s string) (string, bool) {
	i := strings.IndexAny(s, ":/?#")
	if i <= 0 || s[i] != ':' {
		return "", false
	}
	return s[:i], true
}

// splitPath cuts "a/b.png?x#y" into "a/b.png" and "?x#y".
func splitPath(dest string) (p, rest string) {
	if i := strings.IndexAny(dest, "?#"); i >= 0 {
		return dest[:i], dest[i:]
	}
	return dest, ""
}

// lessonURL is where the server serves a lesson's relative path.
func lessonURL(slug, rel string) string {
	p, rest := splitPath(rel)
	return "/lessons/" + strings.TrimPrefix(path.Join(slug, p), "/") + rest
}

// linkFilter is the AST transformer that makes every link and image safe:
// unsafe destinations become "#", relative ones point at /lessons/<slug>/.
type linkFilter struct{}

// Transform implements parser.ASTTransformer.
func (linkFilter) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st, _ := pc.Get(stateKey).(*renderState)
	if st == nil {
		st = &renderState{}
	}
	src := reader.Source()
	var unsafeAuto []*ast.AutoLink
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = st.filter(n.Destination, n, src, false)
		case *ast.Image:
			n.Destination = st.filter(n.Destination, n, src, true)
		case *ast.AutoLink:
			if k := classifyURL(string(n.URL(src))); k != urlExternal && n.AutoLinkType != ast.AutoLinkEmail {
				unsafeAuto = append(unsafeAuto, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unsafeAuto { // keep the text, drop the link
		n.Parent().ReplaceChild(n.Parent(), n, ast.NewString(n.Label(src)))
	}
}

// filter returns the destination to render and records relative targets.
func (st *renderState) filter(dest []byte, n ast.Node, src []byte, image bool) []byte {
	d := string(dest)
	switch classifyURL(d) {
	case urlUnsafe:
		return []byte("#")
	case urlRelative:
		p, _ := splitPath(d)
		if unescaped, err := url.PathUnescape(p); err == nil {
			p = unescaped
		}
		if p != "" {
			st.links = append(st.links, linkRef{target: p, line: st.base + inlineLine(n, src), image: image})
		}
		return []byte(lessonURL(st.slug, d))
	}
	return dest
}

// inlineLine finds the line of an inline node: from its first text, or else
// from the nearest block around it.
func inlineLine(n ast.Node, src []byte) int {
	off := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			off = t.Segment.Start
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	for p := n; off < 0 && p != nil; p = p.Parent() {
		if p.Type() == ast.TypeBlock && p.Lines().Len() > 0 {
			off = p.Lines().At(0).Start
		}
	}
	if off < 0 {
		return 0
	}
	return lineAt(src, off)
}
