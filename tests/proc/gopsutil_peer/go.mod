// Built in GOPATH mode against Debian's golang-github-shirou-gopsutil-dev.
module gopsutilpeer

go 1.19
