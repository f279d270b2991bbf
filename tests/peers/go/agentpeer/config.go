package main

import (
	"os"
	"strconv"
	"time"
)

type config struct {
	addr        string
	network     string
	cpuLength   time.Duration
	traceLength time.Duration
	extensions  bool
	spin        bool
}

func configFromEnv() config {
	c := config{
		addr:        "127.0.0.1:0",
		network:     "tcp",
		cpuLength:   30 * time.Second,
		traceLength: 5 * time.Second,
		extensions:  os.Getenv("AGENTPEER_EXTENSIONS") == "1",
		spin:        os.Getenv("AGENTPEER_NO_SPIN") != "1",
	}
	if a := os.Getenv("AGENTPEER_ADDR"); a != "" {
		c.addr = a
	}
	if n := os.Getenv("AGENTPEER_NETWORK"); n != "" {
		c.network = n
	}
	if d, ok := secondsFromEnv("AGENTPEER_CPU_SECONDS"); ok {
		c.cpuLength = d
	}
	if d, ok := secondsFromEnv("AGENTPEER_TRACE_SECONDS"); ok {
		c.traceLength = d
	}
	return c
}

func secondsFromEnv(name string) (time.Duration, bool) {
	v, err := strconv.ParseFloat(os.Getenv(name), 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return time.Duration(v * float64(time.Second)), true
}
