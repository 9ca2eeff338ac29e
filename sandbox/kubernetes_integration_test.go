package sandbox

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestKubernetesUpAndDown starts the Kubernetes lesson's cluster in a real
// sandbox and asks it, independently of lab-k8s's own waits, whether it
// works: the node is Ready, the API server is the pinned release, cluster
// DNS answers, a Pod runs. It prints the figures an instructor sizes a
// class by: time to a Ready node and to DNS, memory before, idle and after
// `lab-k8s down`; and checks `down` gives memory back and `up` brings the
// cluster's objects back.
func TestKubernetesUpAndDown(t *testing.T) {
	m := newTestManager(t, func(c *Config) { c.Memory = 3 << 30; c.CPUs = 1.5; c.Pids = 2048 })
	const owner = "kube"
	if _, err := m.Ensure(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	if err := m.WaitReady(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	before := settledMemory(t, m, owner)

	start := time.Now()
	out := execFor(t, m, owner, "lab-k8s up", 5*time.Minute)
	upTook := time.Since(start)
	t.Logf("lab-k8s up in %s:\n%s", upTook.Round(100*time.Millisecond), out)
	ready, dns := upTime(t, out, `node \S+ Ready`), upTime(t, out, `CoreDNS answers`)

	if v := strings.TrimSpace(mustExec(t, m, owner, `kubectl version -o json | jq -r .serverVersion.gitVersion`)); v != "v1.34.3" {
		t.Errorf("the API server says it is %q, want v1.34.3 (the pinned release)", v)
	}
	if st := mustExec(t, m, owner, `kubectl get nodes -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}'`); st != "True" {
		t.Errorf("node Ready condition %q, want True", st)
	}
	if ans := mustExec(t, m, owner, `busybox nslookup kubernetes.default.svc.cluster.local 10.96.0.10`); !strings.Contains(ans, "10.96.0.1\n") {
		t.Errorf("cluster DNS did not answer with the API server's ClusterIP:\n%s", ans)
	}
	mustExec(t, m, owner, `kubectl run probe --image=registry.k8s.io/pause:3.10 --image-pull-policy=Never &&
		kubectl wait --for=condition=Ready pod/probe --timeout=90s && kubectl create configmap kept --from-literal=a=b`)
	idle := settledMemory(t, m, owner)

	out = mustExec(t, m, owner, "lab-k8s down")
	if left := strings.TrimSpace(mustExec(t, m, owner, `pgrep -a -f '[k]ube-|[e]tcd |[c]ontainerd --config /etc/kubernetes|[c]ontainerd-shim-runc-v2 -namespace k8s.io|[c]oredns|/[p]ause' || true`)); left != "" {
		t.Errorf("after lab-k8s down these still run:\n%s\n%s", left, mustExec(t, m, owner, "sleep 15; ps -eo pid,ppid,stat,etime,args | grep -v ' ps ' | cut -c1-150"))
	}
	after := settledMemory(t, m, owner)
	t.Logf("sandbox memory: %d MiB before the cluster, %d MiB with it idle (one Pod), %d MiB after lab-k8s down", before>>20, idle>>20, after>>20)
	t.Logf("lab-k8s up: node Ready after %.1f s, CoreDNS answering after %.1f s (whole command %.1f s)", ready, dns, upTook.Seconds())
	if after >= idle-(idle-before)/2 {
		t.Errorf("lab-k8s down gave back %d of the cluster's %d MiB: want at least half", (idle-after)>>20, (idle-before)>>20)
	}

	start = time.Now()
	out = execFor(t, m, owner, "lab-k8s up", 5*time.Minute)
	t.Logf("lab-k8s up again in %s: node Ready after %.1f s, CoreDNS after %.1f s", time.Since(start).Round(100*time.Millisecond),
		upTime(t, out, `node \S+ Ready`), upTime(t, out, `CoreDNS answers`))
	if got := mustExec(t, m, owner, `kubectl get configmap kept -o jsonpath='{.data.a}'`); got != "b" {
		t.Errorf("after down and up, the configmap kept holds %q, want b: the cluster's state should survive", got)
	}
	mustExec(t, m, owner, `kubectl wait --for=condition=Ready pod/probe --timeout=90s`)

	// The sandbox stops (idle) and starts again: its ready hook brings the
	// cluster back, with the Pod; after `down` it stays down.
	restart := func() time.Time {
		t.Helper()
		if err := m.Stop(t.Context(), owner); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Ensure(t.Context(), owner); err != nil {
			t.Fatal(err)
		}
		if err := m.WaitReady(t.Context(), owner); err != nil {
			t.Fatal(err)
		}
		return time.Now()
	}
	back := restart()
	execFor(t, m, owner, `until kubectl get --raw /readyz >/dev/null 2>&1; do sleep 0.5; done
		kubectl wait --for=condition=Ready node --all --timeout=120s && kubectl wait --for=condition=Ready pod/probe --timeout=120s`, 4*time.Minute)
	t.Logf("after the sandbox stopped and started, the cluster was back (node and Pod Ready) %.1f s after the sandbox was ready", time.Since(back).Seconds())
	if got := mustExec(t, m, owner, `kubectl get configmap kept -o jsonpath='{.data.a}'`); got != "b" {
		t.Errorf("after a sandbox restart, the configmap kept holds %q, want b", got)
	}
	mustExec(t, m, owner, "lab-k8s down")
	restart()
	time.Sleep(5 * time.Second)
	if left := strings.TrimSpace(mustExec(t, m, owner, `pgrep -a -f '[k]ube-apiserver|[e]tcd ' || true`)); left != "" {
		t.Errorf("after lab-k8s down and a sandbox restart, the cluster came back anyway:\n%s", left)
	}
}

// upTime reads the seconds lab-k8s printed before a step's line ("[  9.1s] node sandbox Ready").
func upTime(t *testing.T, out, step string) float64 {
	t.Helper()
	mt := regexp.MustCompile(`\[\s*([0-9.]+)s\] ` + step).FindStringSubmatch(out)
	if mt == nil {
		t.Fatalf("lab-k8s up printed no %q line:\n%s", step, out)
	}
	var s float64
	fmt.Sscan(mt[1], &s)
	return s
}

// settledMemory is the sandbox's memory use once it stops moving much
// (components and freed pages take a few seconds to settle): the lowest of
// several readings over ~10 s.
func settledMemory(t *testing.T, m *Manager, owner string) int64 {
	t.Helper()
	low := int64(-1)
	for range 5 {
		st, err := m.Stats(t.Context(), owner)
		if err != nil {
			t.Fatal(err)
		}
		if low < 0 || st.MemoryBytes < low {
			low = st.MemoryBytes
		}
		time.Sleep(2 * time.Second)
	}
	return low
}
