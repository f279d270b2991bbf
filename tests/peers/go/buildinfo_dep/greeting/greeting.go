// Package greeting is a local dependency of buildinfo_dep.
package greeting

func Hello() string { return "hello from greeting" }
