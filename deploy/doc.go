// Package deploy holds what runs writ as a service, and the tests that
// check it: a systemd unit with its user (systemd/), and a container
// recipe with the script that builds the image (container/). The package
// has no code outside its tests.
//
// The tests need the tools they check with: systemd-analyze (and strace)
// for the unit, buildah or podman for the image. Outside CI a missing
// tool skips its test; under CI=true it fails it, because .ci/run
// installs them.
package deploy
