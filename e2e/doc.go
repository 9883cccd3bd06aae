// Package e2e holds writ's end-to-end tests. They build the real writ
// binary, run it as separate processes on loopback ports and talk to it
// over HTTP, so that what they check is what an operator deploys: crash
// recovery of the SQLite store after SIGKILL, and several servers sharing
// one PostgreSQL database. The package has no code outside its tests.
package e2e
