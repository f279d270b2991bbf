package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// configDir is the gops agent's choice of directory (internal.ConfigDir):
// $GOPS_CONFIG_DIR, else the user config dir ($XDG_CONFIG_HOME, else
// $HOME/.config) + "/gops".
func configDir() (string, error) {
	if d := os.Getenv("GOPS_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "gops"), nil
}

// listen opens the listener and writes the port file as agent.Listen does:
// the directory and the file with mode 0777 (before umask), the port as
// decimal ASCII with no newline.
func listen(network, addr string) (net.Listener, string, error) {
	dir, err := configDir()
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, os.ModePerm); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	portFile := filepath.Join(dir, strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(portFile, []byte(strconv.Itoa(port)), os.ModePerm); err != nil {
		ln.Close()
		return nil, "", err
	}
	return ln, portFile, nil
}
