package image

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DetectMirror finds the Debian mirror the host's apt uses for suite, so the
// build needs no configured hostname. root is the filesystem root ("/" on the
// host; a testdata tree in tests). deb822 files in sources.list.d win over the
// one-line /etc/apt/sources.list.
func DetectMirror(root, suite string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(root, "etc/apt/sources.list.d/*.sources"))
	sort.Strings(files)
	for _, f := range files {
		if uri, err := mirrorFromDeb822(f, suite); err == nil && uri != "" {
			return uri, nil
		}
	}
	lists, _ := filepath.Glob(filepath.Join(root, "etc/apt/sources.list.d/*.list"))
	sort.Strings(lists)
	for _, f := range append([]string{filepath.Join(root, "etc/apt/sources.list")}, lists...) {
		if uri, err := mirrorFromOneLine(f, suite); err == nil && uri != "" {
			return uri, nil
		}
	}
	return "", fmt.Errorf("image: no apt source for %q under %s (looked in sources.list.d/*.sources and sources.list); pass the mirror explicitly", suite, filepath.Join(root, "etc/apt"))
}

// mirrorFromDeb822 returns the first URI of a stanza of type deb whose Suites
// include suite.
func mirrorFromDeb822(path, suite string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, stanza := range strings.Split(string(data), "\n\n") {
		fields := deb822Fields(stanza)
		if fields["enabled"] == "no" || !hasWord(fields["types"], "deb") || !hasWord(fields["suites"], suite) {
			continue
		}
		if uris := strings.Fields(fields["uris"]); len(uris) > 0 {
			return strings.TrimSuffix(uris[0], "/"), nil
		}
	}
	return "", nil
}

// deb822Fields parses one stanza into lower-cased keys; comments are skipped
// and continuation lines appended.
func deb822Fields(stanza string) map[string]string {
	fields := map[string]string{}
	last := ""
	for _, line := range strings.Split(stanza, "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "#"):
		case (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && last != "":
			fields[last] += " " + strings.TrimSpace(line)
		default:
			key, value, ok := strings.Cut(line, ":")
			if ok {
				last = strings.ToLower(strings.TrimSpace(key))
				fields[last] = strings.TrimSpace(value)
			}
		}
	}
	return fields
}

// mirrorFromOneLine reads "deb [options] URI SUITE COMPONENTS…" lines.
func mirrorFromOneLine(path, suite string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		words := strings.Fields(line)
		if len(words) < 3 || words[0] != "deb" {
			continue
		}
		words = words[1:]
		if strings.HasPrefix(words[0], "[") { // options: skip to the closing ]
			for len(words) > 0 && !strings.HasSuffix(words[0], "]") {
				words = words[1:]
			}
			if len(words) > 0 {
				words = words[1:]
			}
		}
		if len(words) >= 2 && words[1] == suite {
			return strings.TrimSuffix(words[0], "/"), nil
		}
	}
	return "", sc.Err()
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}
