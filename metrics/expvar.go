package metrics

import "expvar"

// Var returns an expvar.Var whose String is s's current Snapshot as a
// JSON object, taken afresh on every read.
func Var(s Source) expvar.Var {
	return expvar.Func(func() any { return s.Snapshot() })
}

// Publish publishes s under name with expvar, so that it appears in
// the JSON at /debug/vars (served by importing expvar into a program
// that runs http.DefaultServeMux, or by expvar.Handler). Like
// expvar.Publish, it panics if name is already in use.
func Publish(name string, s Source) {
	expvar.Publish(name, Var(s))
}
