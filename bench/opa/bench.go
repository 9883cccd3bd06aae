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

// opaQuery asks for the whole assessment of the input case; it is what is
// timed. countingQuery asks how the transparency report counts it under each
// structure of 1874(a) (policy/transparency.rego), for the agreement only.
const (
	opaQuery      = "data.writ.assess.assessment"
	countingQuery = "data.writ.assess.report_counting"
)

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
	counting  rego.PreparedEvalQuery
	// transparency is writ's side of the report's counting: the rulebook's
	// settings, unless a test changes them.
	transparency rules.Transparency
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
	s := &suite{rb: rb, data: data, examples: len(files), probes: len(probed), generated: len(gen), transparency: rb.Transparency()}
	for _, nc := range slices.Concat(bases, gen) {
		in, err := opaInput(nc.c)
		if err != nil {
			return nil, fmt.Errorf("%s: converting the case to OPA input: %w", nc.name, err)
		}
		s.names = append(s.names, nc.name)
		s.cases = append(s.cases, nc.c)
		s.inputs = append(s.inputs, in)
	}
	if err := s.usePolicyWith(ctx, data); err != nil {
		return nil, err
	}
	return s, nil
}

// usePolicyWith prepares both of OPA's queries with the data document d.
func (s *suite) usePolicyWith(ctx context.Context, d *rulebookData) error {
	var err error
	if s.opa, err = prepareOPA(ctx, d, opaQuery); err != nil {
		return err
	}
	s.counting, err = prepareOPA(ctx, d, countingQuery)
	return err
}

// prepareOPA compiles the policy once, with the rulebook as an in-memory
// data document that hands out values already in OPA's own form (OPA's
// "storage optimization", --optimize-store-for-read-speed).
func prepareOPA(ctx context.Context, data *rulebookData, query string) (rego.PreparedEvalQuery, error) {
	doc, err := data.document()
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("writing the data document: %w", err)
	}
	store := inmem.NewFromObjectWithOpts(doc, inmem.OptReturnASTValuesOnRead(true))
	opts := []func(*rego.Rego){
		rego.Query(query),
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
	return eval(ctx, s.opa, s.inputs[i])
}

func eval(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value) (any, error) {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, fmt.Errorf("the policy gives no answer (undefined)")
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
// same JSON, key for key, list for list, in the same order. It also compares
// how the transparency report counts the case under each structure of
// 1874(a) (counting.go), reported as report_counting.a1 and so on.
func (s *suite) agreement(ctx context.Context) (agreed int, diffs []disagreement, err error) {
	for i, c := range s.cases {
		writ, err := jsonObject(s.rb.Assess(c).WithoutMessages())
		if err != nil {
			return 0, nil, err
		}
		dis := disagreement{name: s.names[i], writ: verdictOf(writ)}
		// OPA's values go through JSON too, so that both sides are
		// compared as the contract's JSON.
		opa, err := s.evalJSON(ctx, s.opa, i)
		if err != nil {
			dis.err = err
			diffs = append(diffs, dis)
			continue
		}
		dis.opa = verdictOf(opa)
		dis.fields = differingKeys("", writ, opa)
		writCounts, err := jsonObject(writCounting(s.rb, s.transparency, c))
		if err != nil {
			return 0, nil, err
		}
		opaCounts, err := s.evalJSON(ctx, s.counting, i)
		if err != nil {
			dis.err = fmt.Errorf("report_counting: %w", err)
			diffs = append(diffs, dis)
			continue
		}
		dis.fields = append(dis.fields, differingKeys("report_counting.", writCounts, opaCounts)...)
		if len(dis.fields) > 0 {
			diffs = append(diffs, dis)
			continue
		}
		agreed++
	}
	return agreed, diffs, nil
}

// evalJSON evaluates a query for case i and returns its result as JSON
// decodes it.
func (s *suite) evalJSON(ctx context.Context, q rego.PreparedEvalQuery, i int) (map[string]any, error) {
	res, err := eval(ctx, q, s.inputs[i])
	if err != nil {
		return nil, err
	}
	out, err := jsonObject(res)
	if err != nil {
		return nil, fmt.Errorf("the policy's result is not an object: %w", err)
	}
	return out, nil
}

// jsonObject is v written as JSON and read back as an object.
func jsonObject(v any) (map[string]any, error) {
	text, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(text, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// differingKeys lists, sorted and prefixed, the keys whose values differ.
func differingKeys(prefix string, a, b map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(a, b))) {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, prefix+k)
		}
	}
	return out
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
