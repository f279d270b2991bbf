// listed is a Go program for the process-list tests: it says it is ready,
// then sleeps until killed. Built several ways (plain, stripped, trimpath,
// cgo) so that gops must find each one and its version. With the argument
// "listen" it also holds a TCP listener on 127.0.0.1 and prints its port.
package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"example.com/greeter"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "listen" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer l.Close()
		fmt.Printf("port %d\n", l.Addr().(*net.TCPAddr).Port)
	}
	fmt.Println(greeter.Ready())
	os.Stdout.Sync()
	for {
		time.Sleep(time.Hour)
	}
}
