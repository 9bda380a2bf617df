// Package csvcell keeps what people typed from being read as a formula
// when a CSV file WorkID writes is opened in a spreadsheet (CSV
// injection): a cell that begins with =, +, -, @, a tab or a carriage
// return is written with a leading apostrophe, which spreadsheets show as
// text and do not evaluate.
package csvcell

import "strings"

// Safe returns v as a cell that a spreadsheet shows as text.
func Safe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
