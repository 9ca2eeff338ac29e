package lessons

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Feature is something a lesson may require of the sandbox (front matter
// `requires`), and what it costs.
type Feature struct {
	Name string
	// MinMemory is the smallest sandbox memory limit (bytes) the feature
	// works in: the Kubernetes lesson's cluster takes ~1.2 GiB next to the
	// student's own containers.
	MinMemory int64
	What      string // for messages: what needs the memory
}

// Features are the sandbox features lessons may require.
var Features = map[string]Feature{
	"docker":     {Name: "docker", MinMemory: 512 << 20, What: "the sandbox's Docker engine"},
	"kubernetes": {Name: "kubernetes", MinMemory: 2 << 30, What: "its Kubernetes cluster (lab-k8s up)"},
}

func featureNames() string { return strings.Join(slices.Sorted(maps.Keys(Features)), ", ") }

// MemoryProblems says which lessons of the course need more memory per
// sandbox than limit: one sentence per lesson, for serve (a warning) and
// test (an error).
func (c *Course) MemoryProblems(limit int64, slugs ...string) []string {
	var out []string
	for _, l := range c.Lessons {
		if len(slugs) > 0 && !slices.Contains(slugs, l.Slug) {
			continue
		}
		for _, name := range l.Requires {
			f, ok := Features[name]
			if ok && limit > 0 && limit < f.MinMemory {
				out = append(out, fmt.Sprintf("lesson %s requires %s: %s needs a sandbox memory limit of at least %s, and it is %s (--memory)",
					l.Slug, name, f.What, gib(f.MinMemory), gib(limit)))
			}
		}
	}
	return out
}

func gib(n int64) string {
	if n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
