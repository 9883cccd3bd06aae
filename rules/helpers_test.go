package rules

import (
	"encoding/json"
	"testing"
)

// defaultRulebook loads the built-in rulebook or stops the test.
func defaultRulebook(t testing.TB) *Rulebook {
	t.Helper()
	rb, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return rb
}

// marshalIndent is the CLI's form of an assessment.
func marshalIndent(t testing.TB, v any) []byte {
	t.Helper()
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return append(out, '\n')
}

// stripMessages removes every "message" key from decoded JSON, as the
// contract's comparisons do.
func stripMessages(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k != "message" {
				out[k] = stripMessages(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripMessages(e)
		}
		return out
	}
	return v
}

func decodeAny(t testing.TB, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, data)
	}
	return v
}
