module wasmcall.example/guests/go

go 1.24
