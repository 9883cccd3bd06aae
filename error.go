package writ

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in httpapi and one exit
// status in the command line.
const (
	ECONFLICT     = "ECONFLICT"     // the request is valid but the current state forbids it
	EFORBIDDEN    = "EFORBIDDEN"    // the caller's role may not do this
	EINTERNAL     = "EINTERNAL"     // a fault of writ or its database; details are logged, never shown
	EINVALID      = "EINVALID"      // the input is malformed or breaks a rule; Field names it
	ENOTFOUND     = "ENOTFOUND"     // no such object, or one the caller may not see
	ETOOLARGE     = "ETOOLARGE"     // a body or upload is over its size limit
	EUNAUTHORIZED = "EUNAUTHORIZED" // no valid credentials
	EUNAVAILABLE  = "EUNAVAILABLE"  // the database cannot be reached; retry later
	ETOOMANY      = "ETOOMANY"      // too many requests from one token or address; retry later
	ESTORAGE      = "ESTORAGE"      // the server's disk is full; nothing was written
	EGONE         = "EGONE"         // the thing existed but is no longer available (an expired download)
	EKEYREUSED    = "EKEYREUSED"    // an Idempotency-Key used before with another request
	EPRECONDITION = "EPRECONDITION" // the object changed since the caller read it (If-Match names another version)
	EIFMATCH      = "EIFMATCH"      // a change that must name the version it changes (If-Match) did not
)

// Error is writ's one error type for failures a caller should see. Message
// is written for people; Code is for programs; Field, when set, names the
// input field at fault in the JSON path form used by the API ("demand.accounts[2]").
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" && e.Message != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error naming field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message a caller may see: the *Error's own text,
// or a generic sentence for internal errors whose text must not leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
