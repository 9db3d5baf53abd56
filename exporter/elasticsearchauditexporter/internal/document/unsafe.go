package document

import "unsafe"

// unsafeString views b as a string without copying; b must not change while
// the string is in use (it is only read while appending).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
