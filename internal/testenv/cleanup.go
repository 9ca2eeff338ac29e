package testenv

import (
	"os/exec"
	"testing"
)

// RemoveSandboxes removes every container, volume and network that sandboxes
// of prefix left behind. It uses the docker CLI, so cleanup does not depend
// on the code under test.
func RemoveSandboxes(t testing.TB, prefix string) {
	label := "label=labd.managed=" + prefix
	for _, script := range []string{
		"docker ps -aq --filter " + label + " | xargs -r docker rm -f -v",
		"docker volume ls -q --filter " + label + " | xargs -r docker volume rm -f",
		"docker network ls -q --filter " + label + " | xargs -r docker network rm",
	} {
		if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
			t.Logf("cleanup %q: %v: %s", script, err, out)
		}
	}
}
