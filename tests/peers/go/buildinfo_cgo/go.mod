module example.com/buildinfo_cgo

go 1.19
