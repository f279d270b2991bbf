// goroutines: a Go program whose goroutines sit in known places, for the
// agentless stack tests and benchmarks:
//
//	PARKED (default 1000) goroutines in main.parkedOnChannel (chan receive),
//	reached through an inlined helper (main.waitInlined)
//	one in a generic function (main.parkedGeneric[...]), chan receive
//	one spinning in main.spin (running), bumping a counter
//	one in time.Sleep (main.sleeper), one blocked on a sync.Mutex
//	(main.locker), one in a select (main.selector), one in a read system
//	call (main.reader), one locked to its thread (main.lockedWaiter), and
//	main itself in main.main (select with no cases)
//
// It prints "ready PID spin=ADDR" once every goroutine has been started
// and the counter moves, then waits. GOROUTINES_AGENT=1 also serves the
// Go agent protocol's stack command (0x01) on 127.0.0.1, writing its port
// to GOPS_CONFIG_DIR/PID as the Go agent does, so a test can compare the
// runtime's own dump with the agentless one.
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var (
	counter uint64
	parked  sync.WaitGroup
	forever = make(chan int)
)

//go:noinline
func parkedOnChannel(ch chan int, i int) int {
	return waitInlined(ch) + i
}

// Small enough to be inlined into parkedOnChannel.
func waitInlined(ch chan int) int {
	parked.Done()
	return <-ch
}

//go:noinline
func parkedGeneric[T any](ch chan T) T {
	parked.Done()
	return <-ch
}

//go:noinline
func spin() {
	parked.Done()
	for {
		atomic.AddUint64(&counter, 1)
	}
}

//go:noinline
func sleeper() {
	parked.Done()
	for {
		time.Sleep(time.Hour)
	}
}

//go:noinline
func locker(mu *sync.Mutex) {
	parked.Done()
	mu.Lock()
}

//go:noinline
func selector(a, b chan int) {
	parked.Done()
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func reader(fd int) {
	parked.Done()
	buf := make([]byte, 1)
	syscall.Read(fd, buf)
}

//go:noinline
func lockedWaiter() {
	runtime.LockOSThread()
	parked.Done()
	<-forever
}

func serveAgent() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir := os.Getenv("GOPS_CONFIG_DIR")
	port := ln.Addr().(*net.TCPAddr).Port
	if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), []byte(strconv.Itoa(port)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			b := make([]byte, 1)
			if _, err := conn.Read(b); err == nil && b[0] == 1 {
				pprof.Lookup("goroutine").WriteTo(conn, 2)
			}
			conn.Close()
		}
	}()
}

func main() {
	n := 1000
	if s := os.Getenv("PARKED"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var mu sync.Mutex
	mu.Lock()
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	parked.Add(n + 7)
	for i := 0; i < n; i++ {
		go parkedOnChannel(forever, i)
	}
	go parkedGeneric(make(chan string))
	go spin()
	go sleeper()
	go locker(&mu)
	go selector(make(chan int), make(chan int))
	go reader(fds[0])
	go lockedWaiter()
	parked.Wait()
	for start := atomic.LoadUint64(&counter); atomic.LoadUint64(&counter) == start; {
		runtime.Gosched()
	}
	if os.Getenv("GOROUTINES_AGENT") == "1" {
		serveAgent()
	}
	// Give the goroutines time to reach their blocking calls: Done() comes
	// just before each.
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("ready %d spin=%#x\n", os.Getpid(), uintptr(unsafe.Pointer(&counter)))
	select {}
}
