// Command opa-bench compares writ's rulebook evaluator with Open Policy Agent
// evaluating the same rulebook (v2) written in Rego (policy/*.rego), on the
// same cases: the contract's examples, writ's golden cases, cases written
// for each change of rulebook v2 (probes.go) and a deterministic set of
// generated variations of them.
//
// Before timing anything it assesses every case with both engines and checks
// that they agree on the whole assessment but its messages, and on how the
// transparency report counts the case; on any disagreement it lists the
// cases on standard error and exits with status 1.
// Then it times each engine on one goroutine, alternating writ and OPA runs,
// and prints one JSON object on standard output:
//
//	{"opa_version": "v1.22.2", "cases": 551, "examples": 40, "probes": 111,
//	 "generated": 400, "agreed": 551, "runs": [{"writ_per_s": ..., "opa_per_s": ...}, ...]}
//
// Usage:
//
//	go run . [-root DIR] [-cases GLOB,...] [-generated N] [-seed N] [-duration D] [-runs N] [-print-data]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/version"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// report is the program's output.
type report struct {
	OPAVersion string      `json:"opa_version"`
	Cases      int         `json:"cases"`
	Examples   int         `json:"examples"`
	Probes     int         `json:"probes"`
	Generated  int         `json:"generated"`
	Agreed     int         `json:"agreed"`
	Runs       []runResult `json:"runs"`
}

type runResult struct {
	WritPerS float64 `json:"writ_per_s"`
	OPAPerS  float64 `json:"opa_per_s"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("opa-bench", flag.ContinueOnError)
	fl.SetOutput(stderr)
	root := fl.String("root", "", "the repository's root (default: the directory of writ's go.mod, found from the working directory up)")
	patterns := fl.String("cases", defaultCasePatterns, "comma-separated glob patterns of *.case.json files, relative to -root")
	generated := fl.Int("generated", 400, "how many further cases to generate by varying the case files and the probes")
	seed := fl.Uint64("seed", 1, "seed of the case generator")
	duration := fl.Duration("duration", 2*time.Second, "length of each timed run")
	runs := fl.Int("runs", 3, "how many runs of each engine, taking turns")
	printData := fl.Bool("print-data", false, "print OPA's data document (the rulebook converted) and exit")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "opa-bench: %v\n", err)
		return 1
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "opa-bench: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	if *generated < 0 || *runs < 1 || *duration <= 0 {
		fmt.Fprintf(stderr, "opa-bench: -generated must be at least 0, -runs at least 1 and -duration positive\n")
		return 2
	}
	if *root == "" {
		dir, err := findRoot(".")
		if err != nil {
			return fail(err)
		}
		*root = dir
	}
	o := options{root: *root, generated: *generated, seed: *seed}
	for _, p := range strings.Split(*patterns, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.patterns = append(o.patterns, p)
		}
	}

	s, err := prepare(ctx, o)
	if err != nil {
		return fail(err)
	}
	if *printData {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s.data); err != nil {
			return fail(err)
		}
		return 0
	}

	agreed, diffs, err := s.agreement(ctx)
	if err != nil {
		return fail(err)
	}
	if len(diffs) > 0 {
		reportDisagreements(stderr, diffs, len(s.cases))
		return 1
	}

	r := report{
		OPAVersion: "v" + version.Version,
		Cases:      len(s.cases),
		Examples:   s.examples,
		Probes:     s.probes,
		Generated:  s.generated,
		Agreed:     agreed,
	}
	for range *runs {
		writ := s.timeWrit(*duration)
		opa, err := s.timeOPA(ctx, *duration)
		if err != nil {
			return fail(err)
		}
		r.Runs = append(r.Runs, runResult{WritPerS: round1(writ), OPAPerS: round1(opa)})
	}
	out, err := json.Marshal(r)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
