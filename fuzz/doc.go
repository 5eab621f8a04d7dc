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
package fuzz
