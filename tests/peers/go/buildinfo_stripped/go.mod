module example.com/buildinfo_stripped

go 1.19
