package lessons

import (
	"html/template"
	"io/fs"
	"path"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
)

// Reserved fenced-block info strings; they are never rendered as prose.
const (
	blockCheck    = "check"
	blockSolution = "solution"
	blockHint     = "hint"
	blockSetup    = "setup"
)

// parsed is one lesson as the parser saw it: the lesson, what makes it
// unusable (fatal), what an author should fix (lint), and the relative links
// to verify against the course FS.
type parsed struct {
	lesson *Lesson
	fatal  Problems
	lint   Problems
	links  []linkRef
}

// section is a step under construction: its top-level nodes and the
// reserved blocks found inside them.
type section struct {
	step      *Step
	line      int
	nodes     []ast.Node
	checks    []Script
	solutions []Script
	hints     []Script
}

// parseLesson reads slug/lesson.md from the course.
func parseLesson(fsys fs.FS, slug string) *parsed {
	p := &parsed{}
	file := path.Join(slug, "lesson.md")
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		p.fatal.add(file, 0, "cannot read lesson.md: %v", err)
		return p
	}
	l := &Lesson{Slug: slug, Path: file}
	p.lesson = l
	body := p.frontMatter(l, src)
	p.lesson.Files = filesFS(fsys, slug)

	st := &renderState{slug: slug}
	doc := parseMarkdown(body, st, 0)
	sections := p.splitSteps(doc, body)
	for _, sec := range sections {
		p.buildStep(sec, body, st)
	}
	p.links = st.links
	return p
}

// frontMatter fills the lesson's header fields and returns the markdown body.
func (p *parsed) frontMatter(l *Lesson, src []byte) []byte {
	yamlText, body, found, closed := splitFrontMatter(src)
	switch {
	case !found:
		p.lint.add(l.Path, 1, "missing title: the file must start with front matter (---, title: …, ---)")
	case !closed:
		p.fatal.add(l.Path, 1, "front matter is never closed: add a line with --- after it")
	default:
		fm := parseFrontMatter(l.Path, yamlText, &p.fatal, &p.lint)
		if fm.Title == "" {
			p.lint.add(l.Path, 1, "missing title in front matter")
		}
		l.Title, l.Summary, l.Duration, l.Requires = fm.Title, fm.Summary, fm.Duration, fm.Requires
		l.CheckTimeout, l.SetupTimeout = fm.CheckTimeout, fm.SetupTimeout
	}
	if l.Title == "" {
		l.Title = l.Slug
	}
	return body
}

// filesFS is the lesson's files/ folder as its own FS, or nil.
func filesFS(fsys fs.FS, slug string) fs.FS {
	dir := path.Join(slug, "files")
	if info, err := fs.Stat(fsys, dir); err != nil || !info.IsDir() {
		return nil
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil
	}
	return sub
}

// splitSteps cuts the document at each "##" heading, pulling the reserved
// blocks out of the tree as it goes.
func (p *parsed) splitSteps(doc ast.Node, src []byte) []*section {
	cur := &section{step: &Step{ID: "intro", Title: "Introduction"}, line: 1}
	sections := []*section{cur}
	var top []ast.Node
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		top = append(top, n)
	}
	for _, n := range top {
		if h, ok := n.(*ast.Heading); ok && h.Level == 2 {
			cur = &section{line: headingLine(h, src)}
			cur.step = &Step{ID: headingID(h, src), Title: headingText(h, src)}
			sections = append(sections, cur)
		}
		if p.takeReserved(n, cur, src) {
			continue
		}
		cur.nodes = append(cur.nodes, n)
	}
	setHeadingIDs(doc, src)
	if len(sections[0].nodes) == 0 && len(sections[0].checks) == 0 {
		sections = sections[1:] // no intro prose
	}
	return sections
}

// takeReserved removes every reserved block inside n (n included) and files
// it under sec, or under the lesson for setup. It reports whether n itself
// was reserved.
func (p *parsed) takeReserved(n ast.Node, sec *section, src []byte) bool {
	var found []*ast.FencedCodeBlock
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if f, ok := c.(*ast.FencedCodeBlock); ok && entering {
			switch infoWord(f, src) {
			case blockCheck, blockSolution, blockHint, blockSetup:
				found = append(found, f)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	self := false
	for _, f := range found {
		s := Script{Source: blockText(f, src), Path: p.lesson.Path, Line: lineAt(src, f.Info.Segment.Start)}
		switch infoWord(f, src) {
		case blockCheck:
			sec.checks = append(sec.checks, s)
		case blockSolution:
			sec.solutions = append(sec.solutions, s)
		case blockHint:
			sec.hints = append(sec.hints, s)
		case blockSetup:
			p.lesson.Setup = append(p.lesson.Setup, s)
		}
		if ast.Node(f) == n {
			self = true
		} else {
			f.Parent().RemoveChild(f.Parent(), f)
		}
	}
	return self
}

// buildStep renders a section into a Step (and its Exercise, if any).
func (p *parsed) buildStep(sec *section, src []byte, st *renderState) {
	doc := ast.NewDocument()
	for _, n := range sec.nodes {
		n.Parent().RemoveChild(n.Parent(), n)
		doc.AppendChild(doc, n)
	}
	html, err := renderNode(src, doc)
	if err != nil {
		p.fatal.add(p.lesson.Path, sec.line, "rendering step %q: %v", sec.step.ID, err)
	}
	sec.step.HTML = html
	p.lesson.Steps = append(p.lesson.Steps, sec.step)
	if len(sec.checks) == 0 {
		for _, s := range sec.solutions {
			p.lint.add(s.Path, s.Line, "solution block outside an exercise step (step %q has no check block)", sec.step.ID)
		}
		for _, s := range sec.hints {
			p.lint.add(s.Path, s.Line, "hint block outside an exercise step (step %q has no check block)", sec.step.ID)
		}
		return
	}
	sec.step.Exercise = p.buildExercise(sec, st)
}

func (p *parsed) buildExercise(sec *section, st *renderState) *Exercise {
	ex := &Exercise{ID: sec.step.ID, Title: sec.step.Title, Line: sec.line, Check: sec.checks[0]}
	for _, s := range sec.checks[1:] {
		p.lint.add(s.Path, s.Line, "exercise %q has more than one check block", ex.ID)
	}
	if len(sec.solutions) == 0 {
		p.lint.add(p.lesson.Path, sec.line, "exercise %q has no solution block", ex.ID)
	} else {
		ex.Solution = sec.solutions[0]
		ex.SolutionHTML = solutionHTML(ex.Solution.Source)
		for _, s := range sec.solutions[1:] {
			p.lint.add(s.Path, s.Line, "exercise %q has more than one solution block", ex.ID)
		}
	}
	for _, h := range sec.hints {
		html, err := renderMarkdown([]byte(h.Source), st, h.Line)
		if err != nil {
			p.fatal.add(h.Path, h.Line, "rendering hint: %v", err)
		}
		ex.Hints = append(ex.Hints, html)
	}
	return ex
}

// solutionHTML shows a solution as plain, escaped code.
func solutionHTML(src string) template.HTML {
	return template.HTML(`<pre><code class="language-bash">` + template.HTMLEscapeString(src) + "</code></pre>\n") // #nosec: escaped
}

// headingLine is the heading's line in src.
func headingLine(h *ast.Heading, src []byte) int {
	if h.Lines().Len() > 0 {
		return lineAt(src, h.Lines().At(0).Start)
	}
	if prev := h.PreviousSibling(); prev != nil && prev.Lines().Len() > 0 {
		return lineAt(src, prev.Lines().At(prev.Lines().Len()-1).Stop)
	}
	return 1
}

// headingText is the heading's plain text.
func headingText(h ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(h, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// headingID is the heading's explicit {#id}, or the slug of its text.
func headingID(h ast.Node, src []byte) string {
	if v, ok := h.AttributeString("id"); ok {
		if b, ok := v.([]byte); ok {
			if id := slugify(string(b)); id != "" {
				return id
			}
		}
	}
	if id := slugify(headingText(h, src)); id != "" {
		return id
	}
	return "section"
}

// setHeadingIDs leaves every heading with exactly one attribute, its id, so
// "{style=…}" or "{onclick=…}" never reach the page.
func setHeadingIDs(doc ast.Node, src []byte) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			id := headingID(h, src)
			h.RemoveAttributes()
			h.SetAttributeString("id", []byte(id))
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
}

// slugify lower-cases s and keeps letters and digits, joining the words
// with single dashes: "Add `ls` to the root!" → "add-ls-to-the-root".
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_' || r == '.' || r == '/':
			dash = true
		}
	}
	return b.String()
}
