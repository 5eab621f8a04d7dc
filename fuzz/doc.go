// Package fuzz holds the go test -fuzz targets of xmppcore. Their seed
// corpora (testdata/fuzz/) run with every `go test`; `make fuzz` runs
// each target for a while. A crash they find becomes a named regression
// test in the package it concerns, and its input joins the seeds.
//
//   - FuzzChunking: tokens, errors and Elements do not depend on how the
//     input is split into reads.
//   - FuzzDifferential: what fastxml accepts, encoding/xml (strict)
//     accepts with the same names, attributes and text; what it accepts
//     and fastxml refuses must be refused for a reason on the allow-list.
//   - FuzzStream: no panic, memory bounded by the limits, and every
//     stanza re-serialized by AppendStandalone parses alone to the same
//     tree.
//   - FuzzSCRAM: the SCRAM client against hostile server messages.
//   - FuzzStreamFeatures: client.Dial against a loopback server that
//     answers with the fuzzed bytes (features, SASL, bind, stream
//     management): bounded time, no panic, typed stream errors, no
//     unacknowledged stanza lost or doubled.
//   - FuzzSMElements: XEP-0198 elements to an SM and <r/>/<a/> scripts
//     to a running Stream, against a model of the counts.
//   - FuzzSessionReplay: whole captured server sessions, mutated,
//     replayed to Dial and to a Stream.
//
// The network targets want -fuzzminimizetime 2s (make fuzz passes it):
// minimizing an input that opens connections is slow.
package fuzz
