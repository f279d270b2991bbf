package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

var byteUnits = []string{" bytes", "KB", "MB", "GB", "TB", "PB"}

// formatBytes prints a size as the Go agent does: "N bytes" below 1 KiB,
// else "136.17KB (139440 bytes)" in powers of 1024.
func formatBytes(val uint64) string {
	var i int
	var target uint64
	for i = range byteUnits {
		target = 1 << uint(10*(i+1))
		if val < target {
			break
		}
	}
	if i > 0 {
		return fmt.Sprintf("%0.2f%s (%d bytes)", float64(val)/(float64(target)/1024), byteUnits[i], val)
	}
	return fmt.Sprintf("%d bytes", val)
}

// writeMemStats writes the Go agent's memstats reply: the same keys, in the
// same order, formatted the same way.
func writeMemStats(w io.Writer) error {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	var b strings.Builder
	fmt.Fprintf(&b, "alloc: %v\n", formatBytes(s.Alloc))
	fmt.Fprintf(&b, "total-alloc: %v\n", formatBytes(s.TotalAlloc))
	fmt.Fprintf(&b, "sys: %v\n", formatBytes(s.Sys))
	fmt.Fprintf(&b, "lookups: %v\n", s.Lookups)
	fmt.Fprintf(&b, "mallocs: %v\n", s.Mallocs)
	fmt.Fprintf(&b, "frees: %v\n", s.Frees)
	fmt.Fprintf(&b, "heap-alloc: %v\n", formatBytes(s.HeapAlloc))
	fmt.Fprintf(&b, "heap-sys: %v\n", formatBytes(s.HeapSys))
	fmt.Fprintf(&b, "heap-idle: %v\n", formatBytes(s.HeapIdle))
	fmt.Fprintf(&b, "heap-in-use: %v\n", formatBytes(s.HeapInuse))
	fmt.Fprintf(&b, "heap-released: %v\n", formatBytes(s.HeapReleased))
	fmt.Fprintf(&b, "heap-objects: %v\n", s.HeapObjects)
	fmt.Fprintf(&b, "stack-in-use: %v\n", formatBytes(s.StackInuse))
	fmt.Fprintf(&b, "stack-sys: %v\n", formatBytes(s.StackSys))
	fmt.Fprintf(&b, "stack-mspan-inuse: %v\n", formatBytes(s.MSpanInuse))
	fmt.Fprintf(&b, "stack-mspan-sys: %v\n", formatBytes(s.MSpanSys))
	fmt.Fprintf(&b, "stack-mcache-inuse: %v\n", formatBytes(s.MCacheInuse))
	fmt.Fprintf(&b, "stack-mcache-sys: %v\n", formatBytes(s.MCacheSys))
	fmt.Fprintf(&b, "other-sys: %v\n", formatBytes(s.OtherSys))
	fmt.Fprintf(&b, "gc-sys: %v\n", formatBytes(s.GCSys))
	fmt.Fprintf(&b, "next-gc: when heap-alloc >= %v\n", formatBytes(s.NextGC))
	lastGC := "-"
	if s.LastGC != 0 {
		lastGC = fmt.Sprint(time.Unix(0, int64(s.LastGC)))
	}
	fmt.Fprintf(&b, "last-gc: %v\n", lastGC)
	fmt.Fprintf(&b, "gc-pause-total: %v\n", time.Duration(s.PauseTotalNs))
	fmt.Fprintf(&b, "gc-pause: %v\n", s.PauseNs[(s.NumGC+255)%256])
	fmt.Fprintf(&b, "gc-pause-end: %v\n", s.PauseEnd[(s.NumGC+255)%256])
	fmt.Fprintf(&b, "num-gc: %v\n", s.NumGC)
	fmt.Fprintf(&b, "num-forced-gc: %v\n", s.NumForcedGC)
	fmt.Fprintf(&b, "gc-cpu-fraction: %v\n", s.GCCPUFraction)
	fmt.Fprintf(&b, "enable-gc: %v\n", s.EnableGC)
	fmt.Fprintf(&b, "debug-gc: %v\n", s.DebugGC)
	_, err := io.WriteString(w, b.String())
	return err
}
