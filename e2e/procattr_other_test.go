//go:build unix && !linux

package e2e

import "syscall"

// procAttr puts a started writ in its own process group, so that cleanup
// can kill it and anything it starts at once. Only Linux can also tie the
// child's life to the test binary's.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
