module example.com/buildinfo_ldflags

go 1.19
