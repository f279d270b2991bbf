module example.com/buildinfo_plain

go 1.19
