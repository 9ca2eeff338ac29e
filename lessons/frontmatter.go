package lessons

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// frontMatter is what a lesson's YAML header may say.
type frontMatter struct {
	Title, Summary             string
	Duration                   time.Duration
	Requires                   []string
	CheckTimeout, SetupTimeout time.Duration
}

// splitFrontMatter cuts the "---" … "---" header off a lesson. The returned
// body keeps the header's lines as empty lines, so byte offsets in the body
// still map to the file's line numbers. found is false when the file does not
// start with "---"; closed is false when the header never ends.
func splitFrontMatter(src []byte) (yamlText, body []byte, found, closed bool) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	if len(lines) == 0 || !isDelimiter(lines[0], "---") {
		return nil, src, false, false
	}
	for i := 1; i < len(lines); i++ {
		if isDelimiter(lines[i], "---") || isDelimiter(lines[i], "...") {
			yamlText = bytes.Join(lines[1:i], nil)
			rest := bytes.Join(lines[i+1:], nil)
			body = append(bytes.Repeat([]byte("\n"), i+1), rest...)
			return yamlText, body, true, true
		}
	}
	return nil, src, true, false
}

func isDelimiter(line []byte, delim string) bool {
	return string(bytes.TrimRight(line, " \t\r\n")) == delim
}

// parseFrontMatter decodes the header. Problems that make the values unusable
// go to fatal; an unknown or missing key goes to lint. Lines are file lines:
// the YAML text starts on line 2.
func parseFrontMatter(path string, yamlText []byte, fatal, lint *Problems) frontMatter {
	var fm frontMatter
	var doc yaml.Node
	if err := yaml.Unmarshal(yamlText, &doc); err != nil {
		fatal.add(path, yamlErrorLine(err), "front matter: %s", yamlErrorText(err))
		return fm
	}
	if len(doc.Content) == 0 {
		return fm // empty header: "missing title" is reported by the caller
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		fatal.add(path, root.Line+1, "front matter must be a mapping of keys to values")
		return fm
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		line := key.Line + 1
		if first, dup := seen[key.Value]; dup {
			fatal.add(path, line, "front matter key %q repeats (first at line %d)", key.Value, first)
			continue
		}
		seen[key.Value] = line
		fm.set(path, key.Value, val, line, fatal, lint)
	}
	return fm
}

// set stores one front-matter value.
func (fm *frontMatter) set(path, key string, val *yaml.Node, line int, fatal, lint *Problems) {
	var err string
	switch key {
	case "title":
		fm.Title, err = scalarString(val)
	case "summary":
		fm.Summary, err = scalarString(val)
	case "duration":
		fm.Duration, err = durationValue(val, true)
	case "check_timeout":
		fm.CheckTimeout, err = durationValue(val, false)
	case "setup_timeout":
		fm.SetupTimeout, err = durationValue(val, false)
	case "requires":
		fm.Requires, err = stringList(val)
		for i, name := range fm.Requires {
			if _, ok := Features[name]; !ok {
				at := val.Line + 1
				if val.Kind == yaml.SequenceNode {
					at = val.Content[i].Line + 1
				}
				lint.add(path, at, "requires: unknown sandbox feature %q (known: %s)", name, featureNames())
			}
		}
	default:
		lint.add(path, line, "unknown front matter key %q (known: title, summary, duration, requires, check_timeout, setup_timeout)", key)
		return
	}
	if err != "" {
		fatal.add(path, val.Line+1, "front matter %s: %s", key, err)
	}
}

func scalarString(n *yaml.Node) (string, string) {
	if n.Kind != yaml.ScalarNode {
		return "", "want a single line of text"
	}
	return strings.TrimSpace(n.Value), ""
}

// durationValue reads "30m" style durations; a bare integer means minutes
// where minutesOK (the lesson's duration) and is an error elsewhere.
func durationValue(n *yaml.Node, minutesOK bool) (time.Duration, string) {
	if n.Kind != yaml.ScalarNode {
		return 0, "want a duration like 30m"
	}
	if minutes, err := strconv.Atoi(n.Value); err == nil {
		if !minutesOK {
			return 0, "want a duration with a unit, like 90s or 2m"
		}
		if minutes < 0 {
			return 0, "must not be negative"
		}
		return time.Duration(minutes) * time.Minute, ""
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, "want a duration like 30m or 1h30m, found " + strconv.Quote(n.Value)
	}
	if d < 0 {
		return 0, "must not be negative"
	}
	return d, ""
}

// stringList reads a YAML list of strings; a single string is a list of one.
func stringList(n *yaml.Node) ([]string, string) {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "" {
			return nil, ""
		}
		return []string{n.Value}, ""
	}
	if n.Kind != yaml.SequenceNode {
		return nil, "want a list of names"
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			return nil, "want a list of names"
		}
		out = append(out, item.Value)
	}
	return out, ""
}

// yamlErrorLine digs "line N" out of a yaml.v3 error (its lines count from
// the YAML text, which starts on the file's line 2).
func yamlErrorLine(err error) int {
	msg := err.Error()
	i := strings.Index(msg, "line ")
	if i < 0 {
		return 1
	}
	rest := msg[i+len("line "):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, convErr := strconv.Atoi(rest[:j])
	if convErr != nil {
		return 1
	}
	return n + 1
}

// yamlErrorText drops yaml.v3's "yaml: line N: " prefix.
func yamlErrorText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(msg, "line ") {
		if i := strings.Index(msg, ": "); i >= 0 {
			return msg[i+2:]
		}
	}
	return msg
}
