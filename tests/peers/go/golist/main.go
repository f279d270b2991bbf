// golist is a stand-in for `gops` with no arguments (the Go tool by Google,
// github.com/google/gops): it lists the Go processes the way its goprocess
// package finds them over gopsutil v3, and prints the same columns. The real
// tool cannot be built by this repository (not all its dependencies are in
// Debian), so this reproduces its list path with the standard library, as
// an independent reading of the same processes for golist_test to compare
// our rows with. It is not a stand-in for the Go gops's speed (it is slower;
// bench/run-list-bench.sh times the real one from GO_GOPS_BIN). Per PID the
// existence check and create-time read of gopsutil's Processes(), then 10
// workers reading each exe link and its build info (debug/buildinfo), the
// port-file stat, and for Go processes the stat line and the name. Not
// reproduced: cobra's command setup at start-up.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

const concurrencyLimit = 10 // goprocess.FindAll's worker count

var develRe = regexp.MustCompile(`devel\s+\+\w+`)

func shortenVersion(v string) string {
	if !strings.HasPrefix(v, "devel") {
		return v
	}
	if short := develRe.FindString(v); short != "" {
		return short
	}
	return v
}

func pad(s string, total int) string {
	if len(s) >= total {
		return s
	}
	return s + strings.Repeat(" ", total-len(s))
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: golist (no arguments): lists Go processes as `gops` does")
		os.Exit(2)
	}
	pss, err := processes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ps := findAll(pss, concurrencyLimit)

	var maxPID, maxPPID, maxExec, maxVersion int
	for i, p := range ps {
		ps[i].BuildVersion = shortenVersion(p.BuildVersion)
		maxPID = max(maxPID, len(strconv.Itoa(p.PID)))
		maxPPID = max(maxPPID, len(strconv.Itoa(p.PPID)))
		maxExec = max(maxExec, len(p.Exec))
		maxVersion = max(maxVersion, len(ps[i].BuildVersion))
	}
	for _, p := range ps {
		buf := bytes.NewBuffer(nil)
		fmt.Fprint(buf, pad(strconv.Itoa(p.PID), maxPID), " ")
		fmt.Fprint(buf, pad(strconv.Itoa(p.PPID), maxPPID), " ")
		fmt.Fprint(buf, pad(p.Exec, maxExec))
		if p.Agent {
			fmt.Fprint(buf, "*")
		} else {
			fmt.Fprint(buf, " ")
		}
		fmt.Fprint(buf, " ", pad(p.BuildVersion, maxVersion), " ", p.Path, "\n")
		buf.WriteTo(os.Stdout)
	}
}
