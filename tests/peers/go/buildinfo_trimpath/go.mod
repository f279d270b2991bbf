module example.com/buildinfo_trimpath

go 1.19
