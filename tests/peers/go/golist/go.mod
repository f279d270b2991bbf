module gops.test/golist

go 1.19
