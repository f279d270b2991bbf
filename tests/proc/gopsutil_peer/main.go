// gopsutil_peer prints what gopsutil v3 (the library the Go gops is built
// on) reports for a PID, one "key<TAB>value" line per field, so the proc
// tests can compare the C++ reader with it field by field:
//
//	gopsutil_peer PID
//	gopsutil_peer all    (PID, PPID, create time and name of every process:
//	                      what the process list reads)
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/shirou/gopsutil/v3/process"
)

func line(key string, value interface{}, err error) {
	if err != nil {
		fmt.Printf("%s\terror: %v\n", key, err)
		return
	}
	fmt.Printf("%s\t%v\n", key, value)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gopsutil_peer PID | all")
		os.Exit(2)
	}
	if os.Args[1] == "all" {
		listAll()
		return
	}
	pid, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	p, err := process.NewProcess(int32(pid))
	if err != nil {
		line("process", nil, err)
		return
	}
	name, err := p.Name()
	line("name", name, err)
	exe, err := p.Exe()
	line("exe", exe, err)
	ppid, err := p.Ppid()
	line("ppid", ppid, err)
	threads, err := p.NumThreads()
	line("threads", threads, err)
	// The Go gops prints these two with %.3f.
	mem, err := p.MemoryPercent()
	line("memory", fmt.Sprintf("%.3f", mem), err)
	cpu, err := p.CPUPercent()
	line("cpu", fmt.Sprintf("%.3f", cpu), err)
	times, err := p.Times()
	if err == nil {
		line("cputotal", fmt.Sprintf("%.2f", times.Total()), nil)
	}
	user, err := p.Username()
	line("username", user, err)
	cmdline, err := p.Cmdline()
	line("cmdline", cmdline, err)
	created, err := p.CreateTime()
	line("createtime", created, err)
	conns, err := p.Connections()
	if err != nil {
		line("conn", nil, err)
	}
	for _, c := range conns {
		line("conn", fmt.Sprintf("%v:%v <-> %v:%v (%v)", c.Laddr.IP, c.Laddr.Port, c.Raddr.IP, c.Raddr.Port, c.Status), nil)
	}
}

func listAll() {
	procs, err := process.Processes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range procs {
		ppid, err1 := p.Ppid()
		created, err2 := p.CreateTime()
		name, err3 := p.Name()
		if err1 != nil || err2 != nil || err3 != nil {
			continue // gone meanwhile
		}
		fmt.Printf("%d\t%d\t%d\t%s\n", p.Pid, ppid, created, name)
	}
}
