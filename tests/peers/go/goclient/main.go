// goclient talks to a gops agent the way the Go gops CLI does for each
// command: dial TCP, write the command byte (and its parameter), read until
// the agent closes, print what came back. A test peer (standard library
// only) proving that a Go client works against our C++ agent.
//
//	goclient HOST:PORT stack|gc|memstats|version|stats|binary|setgc N|pprof-heap|pprof-cpu|trace
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
)

var commandBytes = map[string]byte{
	"stack":      0x01,
	"gc":         0x02,
	"memstats":   0x03,
	"version":    0x04,
	"pprof-heap": 0x05,
	"pprof-cpu":  0x06,
	"stats":      0x07,
	"trace":      0x08,
	"binary":     0x09,
	"setgc":      0x10,
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: goclient HOST:PORT COMMAND [PERCENT]")
		os.Exit(2)
	}
	c, ok := commandBytes[os.Args[2]]
	if !ok {
		fmt.Fprintf(os.Stderr, "goclient: unknown command %q\n", os.Args[2])
		os.Exit(2)
	}
	request := []byte{c}
	if os.Args[2] == "setgc" {
		if len(os.Args) < 4 {
			fmt.Fprintln(os.Stderr, "goclient: setgc needs a percentage")
			os.Exit(2)
		}
		percent, err := strconv.ParseInt(os.Args[3], 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goclient:", err)
			os.Exit(2)
		}
		param := make([]byte, binary.MaxVarintLen64)
		request = append(request, param[:binary.PutVarint(param, percent)]...)
	}
	addr, err := net.ResolveTCPAddr("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
	conn, err := net.DialTCP("tcp", nil, addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
	defer conn.Close()
	if _, err := conn.Write(request); err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
	reply, err := io.ReadAll(conn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
	os.Stdout.Write(reply)
}
