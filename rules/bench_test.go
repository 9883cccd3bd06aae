package rules

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAssess assesses a mix of realistic cases: the contract's
// examples and the golden cases.
func BenchmarkAssess(b *testing.B) {
	rb := defaultRulebook(b)
	var cases []Case
	for _, pattern := range []string{"testdata/examples/*.case.json", "testdata/golden/*.case.json"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			c, err := rb.DecodeCase(data)
			if err != nil {
				b.Fatalf("%s: %v", p, err)
			}
			cases = append(cases, c)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		_ = rb.Assess(cases[n%len(cases)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "assessments/s")
}

// BenchmarkDecodeCase measures reading and validating a case.
func BenchmarkDecodeCase(b *testing.B) {
	rb := defaultRulebook(b)
	data, err := os.ReadFile("testdata/examples/us-warrant-eu-data-exception.case.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rb.DecodeCase(data); err != nil {
			b.Fatal(err)
		}
	}
}
