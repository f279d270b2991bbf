module example.com/buildinfo_strconv

go 1.19
