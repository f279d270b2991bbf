package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"
)

// The gops C++ project's extension bytes. A Go agent closes the connection
// on them; agentpeer answers them only with AGENTPEER_EXTENSIONS=1, so the
// tests can drive the client's extension path against a real peer.
const (
	cmdDescribe      = 0x40
	cmdCPUProfileFor = 0x41
	cmdTraceFor      = 0x42
)

func handleExtension(conn io.ReadWriter, cmd byte) error {
	switch cmd {
	case cmdDescribe:
		reply, err := json.Marshal(map[string]interface{}{
			"agent":   "agentpeer",
			"version": runtime.Version(),
			"commands": []string{"stack", "gc", "memstats", "version", "pprof-heap", "pprof-cpu",
				"stats", "trace", "binary", "setgc", "describe", "pprof-cpu-for", "trace-for"},
		})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(conn, "%s\n", reply)
		return err
	case cmdCPUProfileFor, cmdTraceFor:
		ms, err := binary.ReadUvarint(bufio.NewReader(conn))
		if err != nil {
			return err
		}
		d := time.Duration(ms) * time.Millisecond
		if cmd == cmdCPUProfileFor {
			return cpuProfile(conn, d)
		}
		return runTrace(conn, d)
	}
	return nil
}
