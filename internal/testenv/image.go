package testenv

import (
	"os/exec"

	"testing"

	"github.com/labd/labd/sandbox/image"
)

// SandboxImage requires the sandbox image of the current recipe in the engine
// and returns its tag. Building it takes minutes, so tests never do it.
func SandboxImage(t testing.TB) string {
	t.Helper()
	Docker(t)
	tag := image.Tag()
	err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", tag).Run()
	Need(t, err == nil, "the sandbox image "+tag, "run `make sandbox-image` (or `labd image build`)")
	return tag
}
