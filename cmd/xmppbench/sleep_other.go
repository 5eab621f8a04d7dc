//go:build !linux

package main

import "time"

// preciseSleeper is time.Sleep where nanosleep with a settable timer
// slack is not at hand.
type preciseSleeper struct{}

func (preciseSleeper) lock() {}

func (preciseSleeper) sleep(d time.Duration) { time.Sleep(d) }
