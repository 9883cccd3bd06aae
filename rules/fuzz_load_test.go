package rules

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoadRulebook feeds edited rulebook files to the loader: whatever the
// text, loading either succeeds or fails with problems that name a file —
// never a panic, never a half-loaded rulebook.
func FuzzLoadRulebook(f *testing.F) {
	base := fstest.MapFS{}
	err := fs.WalkDir(embedded, "rulebook", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := embedded.ReadFile(path)
		base[path[len("rulebook/"):]] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"rulebook.yaml", "us.yaml", "eu.yaml", "lists/eea.yaml"} {
		f.Add(name, base[name].Data)
	}
	f.Add("us.yaml", []byte("instruments:\n  - code: [\n"))
	f.Add("lists/eea.yaml", []byte("name: eea\ncountries: [ZZ]\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if _, ok := base[name]; !ok {
			return
		}
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[name] = &fstest.MapFile{Data: data}
		rb, err := Load(fsys)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || len(le.Problems) == 0 || le.Problems[0].File == "" {
				t.Fatalf("load error without a file: %v", err)
			}
			return
		}
		if rb.Version() == "" {
			t.Fatal("a loaded rulebook without a version")
		}
	})
}
