module github.com/ktrace-linux/ktrace

go 1.26.0

require (
	github.com/elastic/go-seccomp-bpf v1.6.0
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	golang.org/x/net v0.41.0
	golang.org/x/sys v0.49.0
)

require github.com/inconshreveable/mousetrap v1.1.0 // indirect
