// A Go test peer for the binfmt tests: Go 1.19's own strconv.Quote and
// debug.ParseBuildInfo/String, applied to hex-encoded arguments, so the C++
// re-implementations can be diffed against the real thing.
//
//	buildinfo_strconv quote HEX...   one hex line per argument: strconv.Quote
//	buildinfo_strconv parse HEX...   one hex line per argument: BuildInfo.String(), or "ERR <hex message>"
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
)

func main() {
	mode := os.Args[1]
	for _, arg := range os.Args[2:] {
		in, err := hex.DecodeString(arg)
		if err != nil {
			panic(err)
		}
		switch mode {
		case "quote":
			fmt.Println(hex.EncodeToString([]byte(strconv.Quote(string(in)))))
		case "parse":
			bi, err := debug.ParseBuildInfo(string(in))
			if err != nil {
				fmt.Println("ERR", hex.EncodeToString([]byte(err.Error())))
				continue
			}
			fmt.Println(hex.EncodeToString([]byte(bi.String())))
		}
	}
}
