package rules

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// embedded is the rulebook built into the binary.
//
//go:embed rulebook
var embedded embed.FS

// Files of a rulebook directory. Every other *.yaml at the top holds
// instruments, conflicts or other sections (partFile); every other file in
// lists/ is a list of countries named after the file.
const (
	fileMain      = "rulebook.yaml"
	dirLists      = "lists"
	fileCountries = "lists/countries.yaml"
	fileDPAs      = "lists/dpas.yaml"
)

// Default returns the rulebook built into the binary. Each call loads it
// afresh; callers keep the result.
func Default() (*Rulebook, error) {
	sub, err := fs.Sub(embedded, "rulebook")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// LoadDir loads the rulebook in a directory, laid out like the built-in one.
func LoadDir(dir string) (*Rulebook, error) {
	if _, err := os.Stat(path.Join(dir, fileMain)); err != nil {
		return nil, &LoadError{Problems: []Problem{{File: fileMain, Message: "cannot read: " + strings.TrimPrefix(err.Error(), "stat ")}}}
	}
	return Load(os.DirFS(dir))
}

// Load reads and checks the rulebook at the root of fsys. Any problem —
// YAML syntax, an unknown or missing key, an unknown code, a contradiction
// between files — fails the load with a *LoadError naming each file and
// line.
func Load(fsys fs.FS) (*Rulebook, error) {
	errs := &problems{}
	rb := &Rulebook{}

	var main rulebookFile
	readYAML(fsys, fileMain, &main, rb, errs)

	parts := map[string]*partFile{}
	partNames := yamlFiles(fsys, ".", errs)
	for _, name := range partNames {
		if name == fileMain || name == fileChanges {
			continue
		}
		p := &partFile{}
		readYAML(fsys, name, p, rb, errs)
		parts[name] = p
	}

	changes := readChanges(fsys, rb, errs)
	var countries countriesFile
	readYAML(fsys, fileCountries, &countries, rb, errs)
	var dpas dpasFile
	readYAML(fsys, fileDPAs, &dpas, rb, errs)
	lists := map[string]*listFile{}
	for _, name := range yamlFiles(fsys, dirLists, errs) {
		if name == fileCountries || name == fileDPAs {
			continue
		}
		l := &listFile{}
		readYAML(fsys, name, l, rb, errs)
		lists[name] = l
	}
	if err := errs.err(); err != nil {
		// Cross-checks on half-read files would only repeat these problems.
		return nil, err
	}

	c := &compiler{rb: rb, errs: errs, listDocs: lists}
	c.compile(&main, partNames, parts, &countries, &dpas)
	c.compileChanges(changes)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return rb, nil
}

// readYAML reads and decodes one file, keeping its text for Show.
func readYAML(fsys fs.FS, name string, v any, rb *Rulebook, errs *problems) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		errs.add(name, 0, "cannot read: %s", strings.TrimPrefix(err.Error(), "open "+name+": "))
		return
	}
	rb.files = append(rb.files, sourceFile{name: name, data: data})
	decodeFile(name, data, v, errs)
}

// yamlFiles lists the *.yaml files of a directory, sorted, as paths from
// the rulebook's root.
func yamlFiles(fsys fs.FS, dir string, errs *problems) []string {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		errs.add(dir, 0, "cannot read the directory: %v", err)
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(e.Name(), ".yml") {
			// A file the loader would skip must not look like part of the rulebook.
			errs.add(path.Join(dir, e.Name()), 0, "rulebook files end in .yaml; rename it")
			continue
		}
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		names = append(names, path.Join(dir, e.Name()))
	}
	slices.Sort(names)
	return names
}
