package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"writ/rules"
)

// policyFiles is the Rego policy: writ's rulebook v2, package writ.assess.
//
//go:embed policy/*.rego
var policyFiles embed.FS

// opaQuery asks for the whole assessment of the input case.
const opaQuery = "data.writ.assess.assessment"

// defaultCasePatterns are the contract's examples and writ's golden cases,
// relative to the repository's root.
const defaultCasePatterns = "rules/testdata/examples/*.case.json,rules/testdata/golden/*.case.json"

// options say which cases to use.
type options struct {
	root      string   // the repository's root
	patterns  []string // glob patterns of case files, relative to root
	generated int      // how many cases to generate
	seed      uint64   // the generator's seed
}

// suite is everything both engines need, prepared before anything is timed:
// writ's rulebook and cases already decoded, OPA's prepared query and the
// same cases already converted to OPA's input values.
type suite struct {
	rb        *rules.Rulebook
	data      *rulebookData
	names     []string
	cases     []rules.Case
	inputs    []ast.Value
	examples  int // cases read from files
	probes    int // cases written for the changes of rulebook v2 (probes.go)
	generated int // cases generated
	opa       rego.PreparedEvalQuery
}

func prepare(ctx context.Context, o options) (*suite, error) {
	rb, err := rules.Default()
	if err != nil {
		return nil, fmt.Errorf("loading writ's rulebook: %w", err)
	}
	data, err := rulebookDataOf(rb)
	if err != nil {
		return nil, err
	}
	files, err := loadCaseFiles(rb, o.root, o.patterns)
	if err != nil {
		return nil, err
	}
	probed, err := probeCases(rb)
	if err != nil {
		return nil, err
	}
	bases := slices.Concat(files, probed)
	gen, err := generateCases(rb, data, bases, o.generated, o.seed)
	if err != nil {
		return nil, err
	}
	s := &suite{rb: rb, data: data, examples: len(files), probes: len(probed), generated: len(gen)}
	for _, nc := range slices.Concat(bases, gen) {
		in, err := opaInput(nc.c)
		if err != nil {
			return nil, fmt.Errorf("%s: converting the case to OPA input: %w", nc.name, err)
		}
		s.names = append(s.names, nc.name)
		s.cases = append(s.cases, nc.c)
		s.inputs = append(s.inputs, in)
	}
	if s.opa, err = prepareOPA(ctx, data); err != nil {
		return nil, err
	}
	return s, nil
}

// prepareOPA compiles the policy once, with the rulebook as an in-memory
// data document that hands out values already in OPA's own form (OPA's
// "storage optimization", --optimize-store-for-read-speed).
func prepareOPA(ctx context.Context, data *rulebookData) (rego.PreparedEvalQuery, error) {
	doc, err := data.document()
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("writing the data document: %w", err)
	}
	store := inmem.NewFromObjectWithOpts(doc, inmem.OptReturnASTValuesOnRead(true))
	opts := []func(*rego.Rego){
		rego.Query(opaQuery),
		rego.Store(store),
		rego.Strict(true),
	}
	names, err := fs.Glob(policyFiles, "policy/*.rego")
	if err != nil {
		return rego.PreparedEvalQuery{}, err
	}
	for _, name := range names {
		src, err := fs.ReadFile(policyFiles, name)
		if err != nil {
			return rego.PreparedEvalQuery{}, err
		}
		opts = append(opts, rego.Module(name, string(src)))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("compiling the Rego policy: %w", err)
	}
	return pq, nil
}

// opaInput converts a case, as writ decoded it, to OPA's input: its JSON
// form in the contract, as an AST value.
func opaInput(c rules.Case) (ast.Value, error) {
	text, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(text)
	if err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(v)
}

func decodeJSON(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// evalOPA assesses case i with OPA.
func (s *suite) evalOPA(ctx context.Context, i int) (any, error) {
	rs, err := s.opa.Eval(ctx, rego.EvalParsedInput(s.inputs[i]))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, fmt.Errorf("the policy gives no assessment (undefined)")
	}
	return rs[0].Expressions[0].Value, nil
}

// verdict is what the comparison must find equal at the least.
type verdict struct {
	route        string
	deficiencies []string // CODE, or CODE:category
}

func (v verdict) String() string {
	return fmt.Sprintf("route %s, deficiencies [%s]", v.route, strings.Join(v.deficiencies, " "))
}

// disagreement is a case the engines assess differently.
type disagreement struct {
	name      string
	writ, opa verdict
	fields    []string // the assessment's keys that differ
	err       error    // OPA's evaluation failed
}

// agreement assesses every case with both engines and compares the whole
// assessment without its messages (the part the Rego computes): writ's is
// Assessment.WithoutMessages in its contract JSON form; OPA's must be the
// same JSON, key for key, list for list, in the same order.
func (s *suite) agreement(ctx context.Context) (agreed int, diffs []disagreement, err error) {
	for i, c := range s.cases {
		text, err := json.Marshal(s.rb.Assess(c).WithoutMessages())
		if err != nil {
			return 0, nil, err
		}
		var writ map[string]any
		if err := json.Unmarshal(text, &writ); err != nil {
			return 0, nil, err
		}
		dis := disagreement{name: s.names[i], writ: verdictOf(writ)}
		res, err := s.evalOPA(ctx, i)
		if err != nil {
			dis.err = err
			diffs = append(diffs, dis)
			continue
		}
		// OPA's values go through JSON too, so that both sides are
		// compared as the contract's JSON.
		text, err = json.Marshal(res)
		if err != nil {
			return 0, nil, err
		}
		var opa map[string]any
		if err := json.Unmarshal(text, &opa); err != nil {
			dis.err = fmt.Errorf("the policy's result is not an object: %s", text)
			diffs = append(diffs, dis)
			continue
		}
		dis.opa = verdictOf(opa)
		for _, k := range slices.Sorted(maps.Keys(mergeKeys(writ, opa))) {
			if !reflect.DeepEqual(writ[k], opa[k]) {
				dis.fields = append(dis.fields, k)
			}
		}
		if len(dis.fields) > 0 {
			diffs = append(diffs, dis)
			continue
		}
		agreed++
	}
	return agreed, diffs, nil
}

func mergeKeys(a, b map[string]any) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// verdictOf reads the route and deficiencies of an assessment in JSON form.
func verdictOf(a map[string]any) verdict {
	v := verdict{route: fmt.Sprint(a["route"])}
	list, _ := a["deficiencies"].([]any)
	for _, item := range list {
		d, _ := item.(map[string]any)
		code := fmt.Sprint(d["code"])
		if cat, ok := d["category"]; ok {
			code += ":" + fmt.Sprint(cat)
		}
		v.deficiencies = append(v.deficiencies, code)
	}
	return v
}

// reportDisagreements writes each differing case for a person.
func reportDisagreements(w io.Writer, diffs []disagreement, total int) {
	fmt.Fprintf(w, "opa-bench: writ and OPA disagree on %d of %d cases:\n", len(diffs), total)
	for _, d := range diffs {
		fmt.Fprintf(w, "  %s\n", d.name)
		fmt.Fprintf(w, "    writ: %s\n", d.writ)
		if d.err != nil {
			fmt.Fprintf(w, "    OPA:  error: %v\n", d.err)
			continue
		}
		fmt.Fprintf(w, "    OPA:  %s\n", d.opa)
		fmt.Fprintf(w, "    differing: %s\n", strings.Join(d.fields, ", "))
	}
}

// timeWrit has writ assess the cases in turn for about d, on this
// goroutine, and returns assessments per second.
func (s *suite) timeWrit(d time.Duration) float64 {
	runtime.GC()
	var last rules.Assessment
	n, i := 0, 0
	start := time.Now()
	for time.Since(start) < d {
		for range batch {
			last = s.rb.Assess(s.cases[i])
			if i++; i == len(s.cases) {
				i = 0
			}
		}
		n += batch
	}
	elapsed := time.Since(start)
	runtime.KeepAlive(last)
	return float64(n) / elapsed.Seconds()
}

// timeOPA does the same with OPA.
func (s *suite) timeOPA(ctx context.Context, d time.Duration) (float64, error) {
	runtime.GC()
	n, i := 0, 0
	start := time.Now()
	for time.Since(start) < d {
		for range batch {
			if _, err := s.evalOPA(ctx, i); err != nil {
				return 0, fmt.Errorf("%s: %w", s.names[i], err)
			}
			if i++; i == len(s.inputs) {
				i = 0
			}
		}
		n += batch
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// batch is how many assessments run between two readings of the clock.
const batch = 16

// findRoot walks up from dir to the directory whose go.mod is that of
// module writ.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && moduleOf(data) == "writ" {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod of module writ in %s or above it; give -root", dir)
		}
		d = parent
	}
}

// moduleOf returns the module path a go.mod declares.
func moduleOf(gomod []byte) string {
	for line := range strings.Lines(string(gomod)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
