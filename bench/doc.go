// Package bench compares xmppcore with its peers on the same inputs in
// the same run. It is its own module so that the peers never become
// dependencies of the core. Run `make bench` from the repository root;
// bench/RESULTS.md records the last run and the machine.
package bench
