package stream

import (
	"errors"
	"strconv"

	"github.com/xmppcore/xmppcore/fastxml"
)

// Error is a stream-level error: the RFC 6120 condition that ends the
// stream, where in the incoming bytes it was found, and why. When the
// scanner found it, Err is the *fastxml.Error.
type Error struct {
	Condition Condition
	Offset    int64  // stream offset of the first offending byte; -1 if none applies
	Text      string // what was wrong
	Err       error  // the underlying error, if any
	// App is an application-specific condition element sent after the
	// text (RFC 6120 §4.9.4), as raw XML: e.g. XEP-0198's
	// <handled-count-too-high/>. Empty: none.
	App string
}

// Error formats the error as "stream: CONDITION at byte N: TEXT".
func (e *Error) Error() string {
	b := make([]byte, 0, 64+len(e.Text))
	b = append(b, "stream: "...)
	b = append(b, e.Condition...)
	if e.Offset >= 0 {
		b = append(b, " at byte "...)
		b = strconv.AppendInt(b, e.Offset, 10)
	}
	if e.Text != "" {
		b = append(b, ": "...)
		b = append(b, e.Text...)
	}
	return string(b)
}

// Unwrap returns the underlying error and the condition, so errors.Is
// matches both.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Condition, e.Err}
	}
	return []error{e.Condition}
}

// asStreamError turns a scanner error into an *Error; other errors
// (a failing connection) pass through.
func asStreamError(err error) error {
	var fe *fastxml.Error
	if errors.As(err, &fe) {
		text := fe.Reason
		if fe.Limit != "" {
			text += " (Limits." + fe.Limit + ")"
		}
		return &Error{Condition: fe.Condition, Offset: fe.Offset, Text: text, Err: fe}
	}
	return err
}
