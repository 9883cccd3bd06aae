package identity

import (
	"runtime"
	"syscall"
)

// atLowPriority runs fn on an operating-system thread of its own at the
// lowest scheduling priority (nice 19): when the processors are short,
// every other request of the process, and the database, goes before a
// password's hash, which waits for what is left over. The thread is never
// given back to the runtime, so it ends with fn and its priority with it.
func atLowPriority(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		// Not being able to lower it (a sandbox that forbids it) only
		// leaves the hash at the process's priority.
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
		fn()
	}()
	<-done
}
