# ktrace for Linux. `make` builds bin/ktrace and bin/kdump; `make test` runs
# every test; `make lint` runs gofmt, go vet (amd64 and arm64) and staticcheck.

GO          ?= go
PREFIX      ?= /usr/local
DESTDIR     ?=
STATICCHECK_VERSION ?= v0.8.2
GOBIN       := $(shell $(GO) env GOPATH)/bin
CMDS        := $(notdir $(wildcard cmd/*))

.PHONY: all build test lint bench install generate clean

all: build

build:
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

test:
	$(GO) test -count=1 -timeout 9m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would rewrite:"; echo "$$out"; exit 1; fi
	GOOS=linux GOARCH=amd64 $(GO) vet ./...
	GOOS=linux GOARCH=arm64 $(GO) vet ./...
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

generate:
	$(GO) generate ./...

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(addprefix bin/,$(CMDS)) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf bin
