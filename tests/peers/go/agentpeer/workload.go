package main

import (
	"runtime"
	"time"
)

// Known functions for the tests to find: a goroutine parked in
// parkedForStackTest (stack), one burning CPU in spinForCPUProfile (CPU
// profile) and a heap kept alive by retainForHeapProfile (heap profile).

var (
	retained [][]byte
	sink     uint64
	parked   = make(chan struct{})
)

//go:noinline
func parkedForStackTest() {
	<-parked
}

//go:noinline
func spinForCPUProfile() {
	x := uint64(1)
	for {
		for i := 0; i < 1000000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		sink = x
		runtime.Gosched()
		// Leave some CPU to the rest of the machine.
		time.Sleep(time.Millisecond)
	}
}

//go:noinline
func retainForHeapProfile() {
	// 32 MiB in 256 KiB blocks: far above the 512 KiB heap sampling rate,
	// so the profile always has this function.
	for i := 0; i < 128; i++ {
		retained = append(retained, make([]byte, 256<<10))
	}
}

func startWorkload(spin bool) {
	retainForHeapProfile()
	go parkedForStackTest()
	if spin {
		go spinForCPUProfile()
	}
}
