// agentpeer stands in for a Go program running the gops agent
// (github.com/google/gops/agent): it listens on 127.0.0.1, writes its port
// file the way the agent does, and answers the agent's command bytes with
// the same text and data. It also runs known functions so that tests can
// look for them in stacks and profiles.
//
// Test-only switches (environment):
//
//	AGENTPEER_ADDR          listen address (default 127.0.0.1:0)
//	AGENTPEER_NETWORK       net.Listen's network (default tcp; tcp6 makes
//	                        a [::] listener IPv6-only)
//	AGENTPEER_CPU_SECONDS   length of the 0x06 CPU profile (default 30)
//	AGENTPEER_TRACE_SECONDS length of the 0x08 trace (default 5)
//	AGENTPEER_NO_SPIN=1     no CPU-burning goroutine (for benchmarks)
//	AGENTPEER_EXTENSIONS=1  also answer the gops C++ extension bytes
//	                        0x40 describe, 0x41 cpu-profile-for, 0x42 trace-for
//
// On stdout it prints "ready PORT" once the port file is written.
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg := configFromEnv()
	startWorkload(cfg.spin)

	ln, portFile, err := listen(cfg.network, cfg.addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "agentpeer: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("ready %d\n", ln.Addr().(*net.TCPAddr).Port)

	go serve(ln, cfg)

	// Clean up like the agent's ShutdownCleanup option.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	<-sig
	if portFile != "" {
		os.Remove(portFile)
	}
	ln.Close()
}
