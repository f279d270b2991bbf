// A cgo Go test peer (linked by gcc): build info of an externally linked binary.
package main

/*
static int answer(void) { return 42; }
*/
import "C"

import "fmt"

func main() { fmt.Println("buildinfo_cgo", int(C.answer())) }
