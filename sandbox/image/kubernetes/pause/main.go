//go:build ignore

// The pod sandbox's "pause" process (built like ../main.go). Every pod's containers join the namespaces this process holds
// open; it only has to sleep, reap orphans (it is PID 1 of the pod when the
// PID namespace is shared) and exit on SIGINT/SIGTERM. Upstream's is a
// static C program; Go keeps the build on the host's one toolchain.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for { // reap every exited child
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
