package sandbox

import (
	"os/exec"
	"testing"
	"time"
)

// BenchmarkExec compares a check-sized Exec through the Manager (find by
// label, exec create/attach/inspect) with the baseline users know: the
// docker CLI's `docker exec <ctr> true`, in the same run.
func BenchmarkExec(b *testing.B) {
	m := newTestManager(b, nil)
	in, err := m.Ensure(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	var labd, cli time.Duration
	b.Run("manager", func(b *testing.B) {
		t0 := time.Now()
		for b.Loop() {
			res, err := m.Exec(b.Context(), "bench", ExecSpec{Script: "true"})
			if err != nil || res.ExitCode != 0 {
				b.Fatalf("exec: %+v %v", res, err)
			}
		}
		labd = time.Since(t0) / time.Duration(b.N)
	})
	b.Run("docker-cli", func(b *testing.B) {
		t0 := time.Now()
		for b.Loop() {
			if out, err := exec.Command("docker", "exec", in.ID, "true").CombinedOutput(); err != nil {
				b.Fatalf("docker exec: %v: %s", err, out)
			}
		}
		cli = time.Since(t0) / time.Duration(b.N)
	})
	if cli > 0 {
		b.Logf("Exec %v vs docker exec %v: ratio %.2f", labd, cli, float64(labd)/float64(cli))
	}
}
