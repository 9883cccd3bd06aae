// Package rules holds writ's rulebook and the evaluator that applies it to
// a case: a demand for data and the customer it concerns.
//
// The rulebook is data, not code. Its YAML files (the folder rulebook/,
// built into the binary) say which instrument each country may use, who
// must issue it and what it can compel, which storage places and blocking
// statutes produce which conflict of law, every period and window, and the
// sentence, with its legal source, that explains each conclusion. The Go
// code holds only the order in which rules are applied (rulebook.md: route
// and notice priorities) and the meaning of each kind of condition. A
// lawyer can read and change a jurisdiction's file; Load checks it
// completely and names the file and line of every mistake.
//
// The evaluator is pure: Assess reads nothing but its case and its
// rulebook, and takes the time from the case (received_at; as_of is
// reserved for later rules). The same case and rulebook always give the
// same assessment.
//
// Compatibility: an Assessment's JSON form is the assessment contract
// (assess-contract.md). Within one rulebook version every field except
// "message" keeps its meaning; messages are for people and may be
// reworded at any time.
package rules
