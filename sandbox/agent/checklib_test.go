package agent

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/labd/labd/internal/testenv"
)

// runCheck runs script the way the server runs a check block.
func runCheck(t *testing.T, lib, script string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", ". "+lib+" || exit 2; "+script)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %q: %v", script, err)
	}
	return code, strings.TrimSpace(string(out))
}

func TestCheckLibrary(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib", "check.sh")
	if err := writeCheckLibrary(lib); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "notes.txt")
	exe := filepath.Join(dir, "run.sh")
	os.WriteFile(f, []byte("hello world\n"), 0o644)
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	t.Setenv("F", f)
	t.Setenv("X", exe)
	t.Setenv("D", dir)

	for _, tc := range []struct {
		script string
		code   int
		msg    string // exact output
	}{
		{`fail "the web server is not running."; echo after`, 1, "the web server is not running."},
		{`pass "done early."; fail no`, 0, "done early."},
		{`expect_file $F; echo ok`, 0, "ok"},
		{`expect_file /nope/x`, 1, "expected /nope/x to exist."},
		{`expect_file /nope/x "your notes"`, 1, "expected your notes (/nope/x) to exist."},
		{`expect_file $D`, 1, "expected " + dir + " to be a regular file."},
		{`expect_dir $D; echo ok`, 0, "ok"},
		{`expect_dir /nope "the rootfs"`, 1, "expected the rootfs (/nope) to exist."},
		{`expect_dir $F`, 1, "expected " + f + " to be a directory."},
		{`expect_executable $X; echo ok`, 0, "ok"},
		{`expect_executable $F "the script"`, 1, "expected the script (" + f + ") to be executable."},
		{`expect_executable /nope`, 1, "expected /nope to exist."},
		{`expect_contains $F "lo wor"; echo ok`, 0, "ok"},
		{`expect_contains $F "w.rld"`, 1, "expected " + f + ` to contain "w.rld".`},
		{`expect_contains /nope x "the config"`, 1, "expected the config (/nope) to exist."},
		{`expect_eq 3 3 "the count"; echo ok`, 0, "ok"},
		{`expect_eq 2 3 "the number of containers"`, 1, "expected the number of containers to be 3, found 2."},
		{`expect_eq "" 3 "the count"`, 1, "expected the count to be 3, found nothing."},
		{`expect_cmd "the file to be readable" -- cat $F >/dev/null; echo ok`, 0, "ok"},
		{`expect_cmd "ls to find it" -- ls /nope`, 1, "expected ls to find it (`ls /nope` failed with exit status 2).\nls: cannot access '/nope': No such file or directory"},
		{`expect_cmd "many lines" -- bash -c 'seq 1 30; exit 4'`, 1, "expected many lines (`bash -c seq 1 30; exit 4` failed with exit status 4).\n" + seqLines(11, 30)},
		{`set -eu; expect_cmd "strict mode" -- false`, 1, "expected strict mode (`false` failed with exit status 1)."},
		{`expect_process no-such-process-q7 "the daemon"`, 1, "expected the daemon to be running."},
		{`expect_process no-such-process-q7`, 1, `expected a process matching "no-such-process-q7" to be running.`},
		{`sleep 5.417 & expect_process "sleep 5.417"; echo ok; kill %1`, 0, "ok"},
		{`set -eu; expect_file $F; expect_dir $D; expect_eq a a x; echo ok`, 0, "ok"},
	} {
		code, out := runCheck(t, lib, tc.script)
		if code != tc.code || out != tc.msg {
			t.Errorf("%s\n got exit %d, output %q\nwant exit %d, output %q", tc.script, code, out, tc.code, tc.msg)
		}
	}
}

func seqLines(from, to int) string {
	var lines []string
	for i := from; i <= to; i++ {
		lines = append(lines, strconv.Itoa(i))
	}
	return strings.Join(lines, "\n")
}

// TestCheckLibraryDocker exercises the functions that ask a Docker engine.
func TestCheckLibraryDocker(t *testing.T) {
	testenv.Docker(t)
	lib := filepath.Join(t.TempDir(), "check.sh")
	if err := writeCheckLibrary(lib); err != nil {
		t.Fatal(err)
	}
	ref := sleeperImage(t)
	name := "labd-agent-checktest-" + filepath.Base(t.TempDir())
	if out, err := exec.Command("docker", "run", "-d", "--name", name, ref).CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	stopped := name + "-stopped"
	if out, err := exec.Command("docker", "create", "--name", stopped, ref).CombinedOutput(); err != nil {
		t.Fatalf("docker create: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", stopped).Run() })

	for _, tc := range []struct {
		script string
		code   int
		msg    string
	}{
		{`expect_image ` + ref + `; echo ok`, 0, "ok"},
		{`expect_image nosuch/image:v9`, 1, "expected the image nosuch/image:v9 to exist (see `docker images`)."},
		{`expect_container_running ` + name + `; echo ok`, 0, "ok"},
		{`expect_container_running ` + stopped, 1, "expected container " + stopped + " to be running, but it is stopped."},
		{`expect_container_running no-such-ctr-q7`, 1, "expected a container named no-such-ctr-q7 to be running, but there is none."},
		{`lab_wait_docker 5; echo ok`, 0, "ok"},
		{`docker() { return 1; }; lab_wait_docker 1`, 1, "the sandbox's Docker engine did not answer within 1s."},
	} {
		code, out := runCheck(t, lib, tc.script)
		if code != tc.code || out != tc.msg {
			t.Errorf("%s\n got exit %d, output %q\nwant exit %d, output %q", tc.script, code, out, tc.code, tc.msg)
		}
	}

	// lab_free_ports stops the container holding a host port, and only that one.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	holder := name + "-holder"
	if out, err := exec.Command("docker", "run", "-d", "--name", holder, "-p", fmt.Sprintf("127.0.0.1:%d:9", port), ref).CombinedOutput(); err != nil {
		t.Fatalf("docker run -p: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", holder).Run() })
	code, out := runCheck(t, lib, fmt.Sprintf("lab_free_ports %d 1", port))
	want := fmt.Sprintf("stopping %s (it holds port %d; docker start brings it back)", holder, port)
	if code != 0 || out != want {
		t.Errorf("lab_free_ports: exit %d, output %q; want 0, %q", code, out, want)
	}
	for ctr, running := range map[string]string{holder: "false", name: "true"} {
		if got, _ := exec.Command("docker", "inspect", "--format", "{{.State.Running}}", ctr).Output(); strings.TrimSpace(string(got)) != running {
			t.Errorf("after lab_free_ports, %s running = %s, want %s", ctr, got, running)
		}
	}
}

// sleeperImage imports (once per test) a one-file image whose CMD sleeps:
// a static Go binary, since there is no registry to pull from.
func sleeperImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\nimport \"time\"\nfunc main() { time.Sleep(time.Hour) }\n"), 0o644)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "root", "sleeper"), src)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build sleeper: %v %s", err, out)
	}
	tar := filepath.Join(dir, "sleeper.tar")
	if out, err := exec.Command("tar", "-cf", tar, "-C", filepath.Join(dir, "root"), "sleeper").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	ref := "labd-agent-test/sleeper:" + filepath.Base(dir)
	if out, err := exec.Command("docker", "import", "--change", `CMD ["/sleeper"]`, tar, ref).CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref).Run() })
	return ref
}
