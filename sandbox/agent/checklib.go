package agent

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// CheckLibrary is check.sh, the helper library every check sources.
//
//go:embed check.sh
var CheckLibrary []byte

// DefaultCheckLibPath is where sandbox-init writes CheckLibrary.
const DefaultCheckLibPath = "/usr/local/lib/labd/check.sh"

// writeCheckLibrary installs the library atomically, so a check that runs
// during an agent restart never sources half a file.
func writeCheckLibrary(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("agent: check library dir: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, CheckLibrary, 0o644); err != nil {
		return fmt.Errorf("agent: write check library: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("agent: install check library: %w", err)
	}
	return nil
}
