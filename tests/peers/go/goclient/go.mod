module gops.test/goclient

go 1.19
