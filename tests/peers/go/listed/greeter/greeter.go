// Package greeter is a local dependency, so the binary's module info has a
// dep line and a replacement.
package greeter

// Ready is the line the test program prints once it is running.
func Ready() string { return "ready" }
