package main

// The process table as gopsutil v3 (process.Processes on Linux) builds it.
// Each step below is a file-system operation gopsutil performs, kept so the
// stand-in costs what the real list costs, not less.

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

const procRoot = "/proc"

// clockTicks is USER_HZ; gopsutil asks sysconf, which is 100 on Linux.
const clockTicks = 100

type process struct {
	pid        int32
	createTime int64
	name       string
}

// pids reads the numeric names under /proc, sorted (PidsWithContext).
func pids() ([]int32, error) {
	d, err := os.Open(procRoot)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var out []int32
	for _, n := range names {
		pid, err := strconv.ParseInt(n, 10, 32)
		if err != nil {
			continue
		}
		out = append(out, int32(pid))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// isMount is gopsutil's port of Python's os.path.ismount: gopsutil calls it
// on /proc for every PID it checks.
func isMount(path string) bool {
	var st1, st2 syscall.Stat_t
	if err := syscall.Lstat(path, &st1); err != nil {
		return false
	}
	if st1.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		return false
	}
	if err := syscall.Lstat(filepath.Join(path, ".."), &st2); err != nil {
		return false
	}
	return st1.Dev != st2.Dev || st1.Ino == st2.Ino
}

// pidExists is PidExistsWithContext with procfs mounted.
func pidExists(pid int32) (bool, error) {
	if pid <= 0 {
		return false, errors.New("invalid pid " + strconv.Itoa(int(pid)))
	}
	if isMount(procRoot) {
		_, err := os.Stat(filepath.Join(procRoot, strconv.Itoa(int(pid))))
		if os.IsNotExist(err) {
			return false, nil
		}
		return err == nil, err
	}
	err := syscall.Kill(int(pid), 0)
	return err == nil || err == syscall.EPERM, nil
}

// bootTime reads btime from /proc/stat. gopsutil v3 does this on every
// stat-line parse (its boot-time cache is off by default).
func bootTime() (uint64, error) {
	data, err := os.ReadFile(filepath.Join(procRoot, "stat"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "btime") {
			f := strings.Fields(line)
			if len(f) != 2 {
				return 0, errors.New("wrong btime format")
			}
			return strconv.ParseUint(f[1], 10, 64)
		}
	}
	return 0, errors.New("could not find btime")
}

type statFields struct {
	ppid       int32
	createTime int64
}

// fillFromStat parses /proc/PID/stat as fillFromTIDStatWithContext does:
// split after the last ')', parse the numbers, read the boot time, ask
// the kernel for the nice value.
func (p *process) fillFromStat() (statFields, error) {
	var out statFields
	data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(int(p.pid)), "stat"))
	if err != nil {
		return out, err
	}
	open := bytes.IndexByte(data, '(')
	close := bytes.LastIndexByte(data, ')')
	if open < 0 || close < open || close+2 > len(data) {
		return out, errors.New("malformed stat line")
	}
	// fields[1] is the PID and fields[2] the name, as gopsutil numbers them.
	fields := append([]string{"", strings.TrimSpace(string(data[:open])), string(data[open+1 : close])},
		strings.Fields(string(data[close+2:]))...)
	if len(fields) < 23 {
		return out, errors.New("short stat line")
	}
	ppid, err := strconv.ParseInt(fields[4], 10, 32)
	if err != nil {
		return out, err
	}
	for _, i := range []int{14, 15} { // utime, stime
		if _, err := strconv.ParseFloat(fields[i], 64); err != nil {
			return out, err
		}
	}
	for _, i := range []int{10, 11, 12, 13} { // page faults
		if _, err := strconv.ParseUint(fields[i], 10, 64); err != nil {
			return out, err
		}
	}
	if _, err := strconv.ParseInt(fields[18], 10, 32); err != nil { // rt priority
		return out, err
	}
	boot, _ := bootTime()
	start, err := strconv.ParseUint(fields[22], 10, 64)
	if err != nil {
		return out, err
	}
	_, _ = syscall.Getpriority(syscall.PRIO_PROCESS, int(p.pid))
	out.ppid = int32(ppid)
	out.createTime = int64(start*1000/clockTicks + boot*1000)
	return out, nil
}

// newProcess is NewProcessWithContext: check it exists, then fill in its
// create time (one stat-line parse per process, Go or not).
func newProcess(pid int32) (*process, error) {
	p := &process{pid: pid}
	ok, err := pidExists(pid)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, errors.New("process does not exist")
	}
	if st, err := p.fillFromStat(); err == nil {
		p.createTime = st.createTime
	}
	return p, nil
}

// processes is process.Processes().
func processes() ([]*process, error) {
	ids, err := pids()
	if err != nil {
		return nil, err
	}
	out := []*process{}
	for _, pid := range ids {
		p, err := newProcess(pid)
		if err != nil {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

func (p *process) exe() (string, error) {
	return os.Readlink(filepath.Join(procRoot, strconv.Itoa(int(p.pid)), "exe"))
}

func (p *process) ppid() (int32, error) {
	st, err := p.fillFromStat()
	return st.ppid, err
}

// name is gopsutil's Name(): the comm, or, when the comm is cut at 15
// bytes, the basename of argv[0] if it starts with the comm.
func (p *process) nameOf() (string, error) {
	if p.name != "" {
		return p.name, nil
	}
	dir := filepath.Join(procRoot, strconv.Itoa(int(p.pid)))
	comm, err := os.ReadFile(filepath.Join(dir, "comm"))
	if err != nil {
		return "", err
	}
	p.name = strings.TrimSuffix(string(comm), "\n")
	if len(p.name) >= 15 {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			return "", err
		}
		if len(cmdline) > 0 {
			argv0 := strings.SplitN(strings.TrimSuffix(string(cmdline), "\x00"), "\x00", 2)[0]
			if ext := filepath.Base(argv0); strings.HasPrefix(ext, p.name) {
				p.name = ext
			}
		}
	}
	return p.name, nil
}
