//go:build !linux

package identity

// atLowPriority runs fn; only Linux lowers the priority of one thread.
func atLowPriority(fn func()) { fn() }
