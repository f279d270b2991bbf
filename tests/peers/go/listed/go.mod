module example.com/listed

go 1.19

require example.com/greeter v0.1.0

replace example.com/greeter => ./greeter
