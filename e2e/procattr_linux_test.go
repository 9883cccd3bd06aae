package e2e

import "syscall"

// procAttr puts a started writ in its own process group, so that cleanup
// can kill it and anything it starts at once, and has Linux kill it if the
// test binary dies first (a test timeout does not run cleanups), so that no
// server outlives the test run.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
