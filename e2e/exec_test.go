package e2e

import (
	"time"

	"github.com/labd/labd/sandbox"
)

func execSpec(script string) sandbox.ExecSpec {
	return sandbox.ExecSpec{Script: script, Timeout: 30 * time.Second}
}
