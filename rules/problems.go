package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one mistake in a rulebook's files.
type Problem struct {
	File    string // path of the file inside the rulebook, e.g. "eu.yaml"
	Line    int    // 1-based; 0 when the problem concerns the file as a whole
	Message string
}

// String returns the problem as FILE:LINE: message.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// LoadError lists every problem found while loading a rulebook, so that one
// run of "writ rulebook check" shows them all.
type LoadError struct {
	Problems []Problem
}

// Error lists the problems, one a line.
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// maxProblems bounds the report: past it, the rest are usually echoes of
// the first mistakes.
const maxProblems = 100

type problems struct {
	list []Problem
}

func (ps *problems) add(file string, line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].File != list[j].File {
			return list[i].File < list[j].File
		}
		return list[i].Line < list[j].Line
	})
	if len(list) > maxProblems {
		list = list[:maxProblems]
	}
	return &LoadError{Problems: list}
}
