package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// The command bytes of the gops protocol (docs/design.md §2).
const (
	cmdStack        = 0x01
	cmdGC           = 0x02
	cmdMemStats     = 0x03
	cmdVersion      = 0x04
	cmdHeapProfile  = 0x05
	cmdCPUProfile   = 0x06
	cmdStats        = 0x07
	cmdTrace        = 0x08
	cmdBinaryDump   = 0x09
	cmdSetGCPercent = 0x10
)

// serve handles one connection at a time, in the accept loop, with no read
// deadline, as the Go agent does: read one byte, answer, close.
func serve(ln net.Listener, cfg config) {
	buf := make([]byte, 1)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		if _, err := conn.Read(buf); err != nil {
			conn.Close()
			continue
		}
		if err := handle(conn, buf[0], cfg); err != nil {
			fmt.Fprintf(os.Stderr, "agentpeer: %v\n", err)
		}
		conn.Close()
	}
}

// handle answers one command. Unknown bytes get no reply (the connection
// is closed), as with the Go agent.
func handle(conn io.ReadWriter, cmd byte, cfg config) error {
	switch cmd {
	case cmdStack:
		return pprof.Lookup("goroutine").WriteTo(conn, 2)
	case cmdGC:
		runtime.GC()
		_, err := conn.Write([]byte("ok"))
		return err
	case cmdMemStats:
		return writeMemStats(conn)
	case cmdVersion:
		_, err := fmt.Fprintf(conn, "%v\n", runtime.Version())
		return err
	case cmdHeapProfile:
		return pprof.WriteHeapProfile(conn)
	case cmdCPUProfile:
		return cpuProfile(conn, cfg.cpuLength)
	case cmdStats:
		return writeStats(conn)
	case cmdTrace:
		return runTrace(conn, cfg.traceLength)
	case cmdBinaryDump:
		return dumpBinary(conn)
	case cmdSetGCPercent:
		perc, err := binary.ReadVarint(bufio.NewReader(conn))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(conn, "New GC percent set to %v. Previous value was %v.\n", perc, debug.SetGCPercent(int(perc)))
		return err
	}
	if cfg.extensions {
		return handleExtension(conn, cmd)
	}
	return nil
}

func writeStats(w io.Writer) error {
	_, err := fmt.Fprintf(w, "goroutines: %v\nOS threads: %v\nGOMAXPROCS: %v\nnum CPU: %v\n",
		runtime.NumGoroutine(), pprof.Lookup("threadcreate").Count(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	return err
}

func cpuProfile(w io.Writer, d time.Duration) error {
	if err := pprof.StartCPUProfile(w); err != nil {
		return err
	}
	time.Sleep(d)
	pprof.StopCPUProfile()
	return nil
}

func runTrace(w io.Writer, d time.Duration) error {
	if err := trace.Start(w); err != nil {
		return err
	}
	time.Sleep(d)
	trace.Stop()
	return nil
}

func dumpBinary(w io.Writer) error {
	path, err := os.Executable()
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = bufio.NewReader(f).WriteTo(w)
	return err
}
