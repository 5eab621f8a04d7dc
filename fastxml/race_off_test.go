//go:build !race

package fastxml

const raceEnabled = false
