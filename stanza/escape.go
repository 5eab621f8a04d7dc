package stanza

import "unicode/utf8"

// AppendAttrValue appends s escaped for an attribute value in single
// or double quotes (it is safe in character data too), with invalid
// UTF-8 and non-Chars replaced by U+FFFD: how every value a Builder
// writes is escaped, for code that writes its own markup.
func AppendAttrValue(dst []byte, s string) []byte { return appendEscaped(dst, s, true) }

// appendEscaped appends s escaped for character data or, with attr, for
// a value in either kind of quotes. Every byte sequence that is not UTF-8 or not
// an XML Char becomes U+FFFD, so the output is always well-formed.
func appendEscaped[T string | []byte](dst []byte, s T, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != '>' && (!attr || (c != '\'' && c != '"')) {
			i++
			continue
		}
		var rep string
		size := 1
		switch {
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '&':
			rep = "&amp;"
		case c == '\'':
			rep = "&apos;"
		case c == '"' && attr:
			rep = "&quot;"
		case c == '\t':
			if !attr {
				i++
				continue
			}
			rep = "&#x9;"
		case c == '\n':
			if !attr {
				i++
				continue
			}
			rep = "&#xA;"
		case c == '\r':
			rep = "&#xD;" // also in text, where a literal CR would become LF
		case c < 0x20:
			rep = "\uFFFD"
		default:
			r, n := decodeRune(s[i:])
			size = n
			if r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF {
				i += n
				continue
			}
			rep = "\uFFFD"
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, rep...)
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

func decodeRune[T string | []byte](s T) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	return utf8.RuneError, 1
}
