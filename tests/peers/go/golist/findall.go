package main

// goprocess.FindAll and isGo from github.com/google/gops, with Go 1.18+'s
// debug/buildinfo (goprocess_1.18.go) as the version reader.

import (
	"debug/buildinfo"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

type goProcess struct {
	PID          int
	PPID         int
	Exec         string
	Path         string
	BuildVersion string
	Agent        bool
}

// configDir is gops' internal.ConfigDir.
func configDir() (string, error) {
	if d := os.Getenv("GOPS_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "gops"), nil
}

// isGo reads the exe link and the build info of the binary behind it (every
// process, no caching by file: gops reads a binary once per process), then
// stats the port file.
func isGo(p *process) (path, version string, agent, ok bool, err error) {
	if p.pid == 0 {
		return
	}
	path, err = p.exe()
	if err != nil {
		return
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return
	}
	version = info.GoVersion
	ok = true
	if dir, err := configDir(); err == nil {
		_, err := os.Stat(filepath.Join(dir, strconv.Itoa(int(p.pid))))
		agent = err == nil
	}
	return path, version, agent, ok, nil
}

// findAll runs isGo over every process with a fixed number of workers, as
// goprocess.findAll does; results come out in completion order.
func findAll(ps []*process, workers int) []goProcess {
	input := make(chan *process, len(ps))
	output := make(chan goProcess, len(ps))
	for _, p := range ps {
		input <- p
	}
	close(input)

	var wg sync.WaitGroup
	wg.Add(workers)
	for i := 0; i < workers; i++ {
		go func() {
			defer wg.Done()
			for p := range input {
				path, version, agent, ok, err := isGo(p)
				if err != nil || !ok {
					continue
				}
				ppid, err := p.ppid()
				if err != nil {
					continue
				}
				name, err := p.nameOf()
				if err != nil {
					continue
				}
				output <- goProcess{PID: int(p.pid), PPID: int(ppid), Exec: name, Path: path,
					BuildVersion: version, Agent: agent}
			}
		}()
	}
	wg.Wait()
	close(output)
	var results []goProcess
	for r := range output {
		results = append(results, r)
	}
	return results
}
