package rules

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The rulebook's files are decoded from yaml.Node trees by the small
// reflective decoder below rather than by yaml.Unmarshal, because a lawyer
// editing a file needs every mistake reported with its file and line:
// unknown keys, duplicate keys and missing keys at any depth. yaml.v3 checks
// unknown keys only at the top of a document (KnownFields is lost inside
// custom unmarshalers) and reports missing keys not at all.
//
// Conventions for the schema structs in schema.go:
//   - a field's key is its yaml tag; a field without ",omitempty" is required;
//   - a field named Line of type int receives the line of the mapping;
//   - a type with a decodeYAML method decodes its own node.

// nodeDecoder decodes one file's nodes and collects its problems.
type nodeDecoder struct {
	file string
	errs *problems
}

// yamlDecoder is implemented by schema types that read their own node.
type yamlDecoder interface {
	decodeYAML(d *nodeDecoder, n *yaml.Node)
}

func (d *nodeDecoder) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs.add(d.file, line, format, args...)
}

// decodeFile parses data as one YAML document and decodes it into v, a
// pointer to a schema struct.
func decodeFile(file string, data []byte, v any, errs *problems) {
	d := &nodeDecoder{file: file, errs: errs}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml.v3 syntax errors read "yaml: line 7: did not find expected key".
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if i := strings.Index(rest, ":"); i > 0 {
				if n, err := strconv.Atoi(rest[:i]); err == nil {
					line, msg = n, strings.TrimSpace(rest[i+1:])
				}
				if parserError(msg) {
					line++
				}
			}
		}
		errs.add(file, line, "invalid YAML: %s", msg)
		return
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		errs.add(file, 1, "the file is empty")
		return
	}
	d.decode(doc.Content[0], reflect.ValueOf(v).Elem())
}

// parserError reports whether a yaml.v3 syntax error comes from its
// parser, whose line numbers are counted from 0 (its scanner's are counted
// from 1).
func parserError(msg string) bool {
	for _, p := range []string{
		"did not find expected key",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected node content",
		"did not find expected '-' indicator",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// decode fills v from n, reporting what does not fit.
func (d *nodeDecoder) decode(n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		// Anchors and aliases make a file harder to read for little gain.
		d.errorf(n, "aliases (*name) are not allowed; write the value out")
		return
	}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(yamlDecoder); ok {
			u.decodeYAML(d, n)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem())
		v.Set(p)
	case reflect.Struct:
		d.decodeStruct(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "expected a list, found %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i))
		}
		v.Set(s)
	case reflect.String:
		if s, ok := d.scalar(n); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := d.scalar(n)
		if !ok {
			return
		}
		switch s {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			d.errorf(n, "expected true or false, found %q", s)
		}
	case reflect.Int:
		s, ok := d.scalar(n)
		if !ok {
			return
		}
		i, err := strconv.Atoi(s)
		if err != nil {
			d.errorf(n, "expected a whole number, found %q", s)
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		s, ok := d.scalar(n)
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			d.errorf(n, "expected a number, found %q", s)
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("rules: schema field of unsupported kind %s", v.Kind()))
	}
}

// scalar returns the text of a scalar node. Any scalar is text to a string
// field, so that a country code NO stays Norway and a version 1 stays "1".
func (d *nodeDecoder) scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, "expected a single value, found %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// schemaField is one key of a schema struct.
type schemaField struct {
	key      string
	index    int
	optional bool
}

func fieldsOf(t reflect.Type) (fields []schemaField, lineIndex int) {
	lineIndex = -1
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if f.Name == "Line" && f.Type.Kind() == reflect.Int {
			lineIndex = i
			continue
		}
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fields = append(fields, schemaField{key: name, index: i, optional: opts == "omitempty"})
	}
	return fields, lineIndex
}

func (d *nodeDecoder) decodeStruct(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected keys and values, found %s", describe(n))
		return
	}
	fields, lineIndex := fieldsOf(v.Type())
	if lineIndex >= 0 {
		v.Field(lineIndex).SetInt(int64(n.Line))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.key(k, seen)
		if !ok {
			continue
		}
		var f *schemaField
		for j := range fields {
			if fields[j].key == key {
				f = &fields[j]
			}
		}
		if f == nil {
			d.errorf(k, "unknown key %q (expected %s)", key, keyList(fields))
			continue
		}
		d.decode(val, v.Field(f.index))
	}
	for _, f := range fields {
		if !f.optional && seen[f.key] == nil {
			d.errorf(n, "missing key %q", f.key)
		}
	}
}

// key reads a mapping key and reports one given twice.
func (d *nodeDecoder) key(k *yaml.Node, seen map[string]*yaml.Node) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		d.errorf(k, "a key must be a single word, found %s", describe(k))
		return "", false
	}
	if k.Tag == "!!merge" {
		d.errorf(k, "merge keys (<<) are not allowed; write the keys out")
		return "", false
	}
	if first := seen[k.Value]; first != nil {
		d.errorf(k, "key %q is given twice (first on line %d)", k.Value, first.Line)
		return "", false
	}
	seen[k.Value] = k
	return k.Value, true
}

func keyList(fields []schemaField) string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "keys and values"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// token is a scalar that remembers its line, for codes that are checked
// after the whole rulebook is read (a country in a list, an instrument named
// by a conflict).
type token struct {
	Value string
	Line  int
}

func (t *token) decodeYAML(d *nodeDecoder, n *yaml.Node) {
	t.Line = n.Line
	t.Value, _ = d.scalar(n)
}

// entry is one key and value of an ordered mapping.
type entry[T any] struct {
	Key   token
	Value T
}

// ordered is a mapping whose order matters to the reader (categories,
// countries), decoded with each key's line.
type ordered[T any] []entry[T]

func (o *ordered[T]) decodeYAML(d *nodeDecoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected keys and values, found %s", describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		key, ok := d.key(k, seen)
		if !ok {
			continue
		}
		var e entry[T]
		e.Key = token{Value: key, Line: k.Line}
		d.decode(n.Content[i+1], reflect.ValueOf(&e.Value).Elem())
		*o = append(*o, e)
	}
}

// reflectValue returns the value a pointer points to, for decodeInto.
func reflectValue(ptr any) reflect.Value {
	return reflect.ValueOf(ptr).Elem()
}
