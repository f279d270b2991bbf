// A Go test peer with a dependency replaced by a local module: its build info
// has dep and "=>" lines.
package main

import (
	"fmt"

	"example.com/greeting"
)

func main() { fmt.Println(greeting.Hello()) }
