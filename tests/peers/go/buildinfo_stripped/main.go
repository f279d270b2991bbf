// A Go test peer for the binfmt tests: its build info is what they read.
package main

import "fmt"

var version = "dev"

func main() { fmt.Println("buildinfo_stripped", version) }
