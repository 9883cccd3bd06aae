package deploy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// imageConfig is the part of an OCI image configuration the recipe sets.
type imageConfig struct {
	User         string
	ExposedPorts map[string]struct{}
	Env          []string
	Entrypoint   []string
	Cmd          []string
	Volumes      map[string]struct{}
	WorkingDir   string
	Labels       map[string]string
	StopSignal   string
}

// imageFile is one entry of an image's file system.
type imageFile struct {
	mode     fs.FileMode // permission bits, and fs.ModeDir for a folder
	uid, gid int
}

// TestContainerImage builds writ's image with deploy/container/build, as
// README.md says, in container storage of its own (the vfs driver, in a
// temporary folder: the machine's images and containers are neither used
// nor changed; buildah's cache of blob facts, in /var/lib/containers/cache,
// is shared), then checks what the image holds
// and how it is set up, from its OCI layout, and starts it with podman.
func TestContainerImage(t *testing.T) {
	buildah := tool(t, "buildah")
	env := containerEnv(t)
	version := fmt.Sprintf("deploy-test-%d", time.Now().UnixNano())
	image := "localhost/writ-deploy-test:" + version

	build := exec.Command("container/build", image)
	build.Env = append(env, "VERSION="+version, "CONTAINER_BUILDER="+buildah)
	var buildLog bytes.Buffer
	build.Stderr = &buildLog
	began := time.Now()
	out, err := build.Output()
	if err != nil {
		t.Fatalf("deploy/container/build: %v\n%s", err, buildLog.Bytes())
	}
	t.Cleanup(func() { cleanUp(t, env, buildah, "rmi", "--force", image) })
	if got := strings.TrimSpace(string(out)); got != image {
		t.Fatalf("deploy/container/build printed %q, want the image's name %q", got, image)
	}
	t.Logf("image built in %v", time.Since(began).Round(time.Millisecond))

	layout := filepath.Join(t.TempDir(), "oci")
	if _, err := containerOutput(env, buildah, "push", "--quiet", image, "oci:"+layout); err != nil {
		t.Fatal(err)
	}
	config, files, binary := readOCILayout(t, layout)

	t.Run("settings", func(t *testing.T) {
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"user", config.User, "65532:65532"},
			{"entrypoint", config.Entrypoint, []string{"/usr/local/bin/writ"}},
			{"command", config.Cmd, []string{"serve"}},
			{"working folder", config.WorkingDir, "/var/lib/writ"},
			{"stop signal", config.StopSignal, "SIGTERM"},
			{"exposed ports", slices.Sorted(maps.Keys(config.ExposedPorts)), []string{"8080/tcp"}},
			{"volumes", slices.Sorted(maps.Keys(config.Volumes)), []string{"/var/lib/writ"}},
			{"version label", config.Labels["org.opencontainers.image.version"], version},
		} {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
			}
		}
		for _, want := range []string{"WRIT_DB=/var/lib/writ/writ.db", "WRIT_LOG_KEY=/var/lib/writ/log.key",
			"WRIT_DOCUMENTS_KEY=/var/lib/writ/documents.key", "WRIT_ADDR=:8080"} {
			if !slices.Contains(config.Env, want) {
				t.Errorf("environment %v lacks %s", config.Env, want)
			}
		}
	})

	t.Run("files", func(t *testing.T) {
		dir := func(uid int, perm fs.FileMode) imageFile { return imageFile{fs.ModeDir | perm, uid, uid} }
		want := map[string]imageFile{
			"etc":                               dir(0, 0o755),
			"etc/ssl":                           dir(0, 0o755),
			"etc/ssl/certs":                     dir(0, 0o755),
			"etc/ssl/certs/ca-certificates.crt": {0o444, 0, 0},
			"usr":                               dir(0, 0o755),
			"usr/local":                         dir(0, 0o755),
			"usr/local/bin":                     dir(0, 0o755),
			"usr/local/bin/writ":                {0o555, 0, 0},
			"var":                               dir(0, 0o755),
			"var/lib":                           dir(0, 0o755),
			"var/lib/writ":                      dir(65532, 0o700),
		}
		for _, name := range slices.Sorted(maps.Keys(files)) {
			if _, ok := want[name]; !ok {
				t.Errorf("the image holds %s (%v), which the recipe does not put there", name, files[name])
			}
		}
		for _, name := range slices.Sorted(maps.Keys(want)) {
			got, ok := files[name]
			if !ok {
				t.Errorf("the image lacks %s", name)
			} else if got != want[name] {
				t.Errorf("%s: mode %v owner %d:%d, want mode %v owner %d:%d",
					name, got.mode, got.uid, got.gid, want[name].mode, want[name].uid, want[name].gid)
			}
		}
		// An empty base has no C library: writ must need none.
		f, err := elf.NewFile(bytes.NewReader(binary))
		if err != nil {
			t.Fatalf("usr/local/bin/writ is not an ELF program: %v", err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("usr/local/bin/writ is linked dynamically; it cannot run on an empty base")
			}
		}
	})

	t.Run("started with podman", func(t *testing.T) {
		startImage(t, env, tool(t, "podman"), image, version)
	})
}

// startImage runs the image with podman as README.md does — the image's
// own command and settings, a named volume for its data, a read-only root,
// no capabilities — but on the host's network, listening on a free
// loopback port: a container network would need firewall rules on the
// machine. It checks that writ serves, that an administrative command run
// in the container reaches the same database, that a password set there
// signs in (checked in a child process), that its data lands in the volume
// owned by the image's user, and that podman stop ends it cleanly.
func startImage(t *testing.T, env []string, podman, image, version string) {
	name := fmt.Sprintf("writ-deploy-test-%d", time.Now().UnixNano())
	volume := name + "-data"
	cmd := exec.Command(podman, "run", "--rm", "--pull=never", "--name", name,
		"--network=host", "--read-only", "--cap-drop=all", "--security-opt=no-new-privileges",
		"--volume", volume+":/var/lib/writ", "--env", "WRIT_ADDR=127.0.0.1:0", image)
	cmd.Env = env
	base, exited := serve(t, cmd, func() {
		cleanUp(t, env, podman, "rm", "--force", "--time", "0", name)
		cleanUp(t, env, podman, "volume", "rm", "--force", volume)
	})

	resp, err := http.Get(base + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/health: %d, want 200", resp.StatusCode)
	}

	out, err := containerOutput(env, podman, "exec", name, "writ", "version")
	if err != nil || !strings.HasPrefix(string(out), "writ "+version+" (") {
		t.Fatalf("podman exec writ version: %v: %q, want writ %s", err, out, version)
	}
	out, err = containerOutput(env, podman, "exec", name, "writ", "user",
		"--name", "Ann Admin", "--email", "ann@provider.example", "--role", "admin")
	var created struct{ Token string }
	if err != nil || json.Unmarshal(out, &created) != nil || created.Token == "" {
		t.Fatalf("podman exec writ user: %v: %s", err, out)
	}
	req, err := http.NewRequest("GET", base+"/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+created.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(me, []byte(`"name":"Ann Admin"`)) {
		t.Fatalf("GET /v1/me with the token made in the container: %d %s", resp.StatusCode, me)
	}

	// A password set in the container signs in (to the step of the second
	// factor): writ checks it in a child process, which the container lets
	// it start.
	setPassword := exec.Command(podman, "exec", "-i", name, "writ", "user", "password", "--email", "ann@provider.example")
	setPassword.Env, setPassword.Stdin = env, strings.NewReader("a password for the container\n")
	if out, err := setPassword.CombinedOutput(); err != nil {
		t.Fatalf("podman exec writ user password: %v\n%s", err, out)
	}
	signIn(t, base, "ann@provider.example", "a password for the container", http.StatusSeeOther)

	out, err = containerOutput(env, podman, "volume", "inspect", "--format", "{{.Mountpoint}}", volume)
	if err != nil {
		t.Fatal(err)
	}
	data := strings.TrimSpace(string(out))
	for _, f := range []struct {
		name string
		perm fs.FileMode
	}{{".", fs.ModeDir | 0o700}, {"writ.db", 0o600}, {"log.key", 0o600}, {"documents.key", 0o600}} {
		info, err := os.Stat(filepath.Join(data, f.name))
		if err != nil {
			t.Errorf("the volume: %v", err)
			continue
		}
		st := info.Sys().(*syscall.Stat_t)
		if info.Mode() != f.perm || st.Uid != 65532 || st.Gid != 65532 {
			t.Errorf("the volume's %s: mode %v owner %d:%d, want mode %v owner 65532:65532", f.name, info.Mode(), st.Uid, st.Gid, f.perm)
		}
	}

	if _, err := containerOutput(env, podman, "stop", "--time", "20", name); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("writ in the container did not stop cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("podman run did not end within 30s of podman stop")
	}
}

// containerEnv is the environment of every buildah and podman command of
// a test: storage and settings of its own, in a temporary folder.
func containerEnv(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	storage := fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\nrunroot = %q\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "run"))
	// The settings a sandboxed test machine needs, none of them the
	// recipe's: its limits are below podman's default ulimits (1048576
	// open files); crun 1.8 refuses its mixed cgroup v1 and v2 hierarchy,
	// where runc starts containers. Podman's events and temporary files
	// stay in the folder too; what is left outside it is empty: runc's
	// state folder (/run/runc), podman's cgroups (libpod_parent) and
	// netavark's folder (/run/containers/networks).
	containers := fmt.Sprintf(`[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q

[network]
network_config_dir = %q
`, filepath.Join(dir, "events.log"), filepath.Join(dir, "tmp"), filepath.Join(dir, "networks"))
	for name, text := range map[string]string{"storage.conf": storage, "containers.conf": containers} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return append(writEnv(),
		"CONTAINERS_STORAGE_CONF="+filepath.Join(dir, "storage.conf"),
		"CONTAINERS_CONF="+filepath.Join(dir, "containers.conf"))
}

// containerOutput runs buildah or podman with env and returns what it
// printed on standard output; an error carries what it printed on
// standard error.
func containerOutput(env []string, program string, args ...string) ([]byte, error) {
	cmd := exec.Command(program, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s", filepath.Base(program), strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// cleanUp runs a buildah or podman command that removes what a test made,
// and says so if it fails.
func cleanUp(t *testing.T, env []string, program string, args ...string) {
	t.Helper()
	if _, err := containerOutput(env, program, args...); err != nil {
		t.Logf("cleaning up: %v", err)
	}
}

// readOCILayout reads the one image in an OCI image layout folder: its
// configuration, every entry of its file system, and the writ program.
func readOCILayout(t *testing.T, dir string) (imageConfig, map[string]imageFile, []byte) {
	t.Helper()
	blob := func(digest string, into any) []byte {
		t.Helper()
		algorithm, hex, _ := strings.Cut(digest, ":")
		data, err := os.ReadFile(filepath.Join(dir, "blobs", algorithm, hex))
		if err != nil {
			t.Fatal(err)
		}
		if into != nil {
			if err := json.Unmarshal(data, into); err != nil {
				t.Fatalf("blob %s: %v", digest, err)
			}
		}
		return data
	}
	type descriptor struct{ Digest string }
	var index struct{ Manifests []descriptor }
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v, %d manifests, want 1", err, len(index.Manifests))
	}
	var manifest struct {
		Config descriptor
		Layers []descriptor
	}
	blob(index.Manifests[0].Digest, &manifest)
	var config struct{ Config imageConfig }
	blob(manifest.Config.Digest, &config)

	files := map[string]imageFile{}
	var binary []byte
	for _, layer := range manifest.Layers {
		var r io.Reader = bytes.NewReader(blob(layer.Digest, nil))
		br := bufio.NewReader(r)
		if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(br)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		} else {
			r = br
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("layer %s: %v", layer.Digest, err)
			}
			name := strings.Trim(strings.TrimPrefix(h.Name, "./"), "/")
			if name == "" || name == "." {
				continue
			}
			mode := h.FileInfo().Mode()
			files[name] = imageFile{mode & (fs.ModeDir | fs.ModePerm | fs.ModeSymlink), h.Uid, h.Gid}
			if name == "usr/local/bin/writ" {
				if binary, err = io.ReadAll(tr); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return config.Config, files, binary
}
