// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Command gen compiles operations.tsv and primary.tsv into operations_gen.go.
//
// The table is generated rather than hand-written so that operations.tsv stays
// a verbatim copy of the reference data (easy to diff when botocore adds an
// operation) while the package still pays nothing at run time to parse it.
// Every cross-reference between the two files is checked here, because a
// misspelt member name would otherwise surface only as a record that silently
// resolves to no resource.
//
// Run it through `go generate` in the parent package; it reads and writes in
// the current directory unless -dir is given.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const (
	operationsFile = "operations.tsv"
	primaryFile    = "primary.tsv"
	outputFile     = "operations_gen.go"

	eventSource = "personalize.amazonaws.com"
)

// apiByModel maps a botocore model uid to the Go constant of its API group.
var apiByModel = map[string]string{
	"personalize-2018-05-22":         "APIControl",
	"personalize-events-2018-03-22":  "APIEvents",
	"personalize-runtime-2018-05-22": "APIRuntime",
}

var accessLevels = []string{"Read", "List", "Write", "Tagging"}

func main() {
	dir := flag.String("dir", ".", "directory holding "+operationsFile+" and "+primaryFile+", and receiving "+outputFile)
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	src, err := generateDir(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, outputFile), src, 0o644)
}

// generateDir reads the two inputs from dir and returns the formatted source
// of operations_gen.go.
func generateDir(dir string) ([]byte, error) {
	ops, err := os.ReadFile(filepath.Join(dir, operationsFile))
	if err != nil {
		return nil, err
	}
	primary, err := os.ReadFile(filepath.Join(dir, primaryFile))
	if err != nil {
		return nil, err
	}
	return generate(ops, primary)
}

// operation is one joined row, in the shape of personalize.Operation.
type operation struct {
	name        string
	api         string // Go constant name
	mutating    bool
	readOnly    bool
	accessLevel string
	requestARNs []string
	requiredARN []string
	responseARN []string
	nonARNIDs   []string
	primaryResp string
	primaryReq  []string
}

// generate joins the two TSV files and renders operations_gen.go.
func generate(opsTSV, primaryTSV []byte) ([]byte, error) {
	ops, err := parseOperations(opsTSV)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", operationsFile, err)
	}
	if err := joinPrimary(ops, primaryTSV); err != nil {
		return nil, fmt.Errorf("%s: %w", primaryFile, err)
	}
	return render(ops)
}

// table splits a TSV file into a header and rows, skipping blank lines and
// '#' comments so that primary.tsv can carry its own documentation.
func table(data []byte, want ...string) (rows [][]string, col map[string]int, err error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	var header []string
	for n, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			return nil, nil, fmt.Errorf("line %d: %d fields, header has %d", n+1, len(fields), len(header))
		}
		rows = append(rows, fields)
	}
	if header == nil {
		return nil, nil, errors.New("no header line")
	}
	col = make(map[string]int, len(header))
	for i, h := range header {
		col[h] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return nil, nil, fmt.Errorf("missing column %q", w)
		}
	}
	return rows, col, nil
}

func parseOperations(data []byte) ([]*operation, error) {
	const (
		cModel    = "service_model_uid"
		cSource   = "expected_cloudtrail_eventSource"
		cName     = "operation"
		cMutating = "mutating"
		cAccess   = "iam_access_level(SAR)"
		cReadOnly = "expected_readOnly"
		cReqARNs  = "arn_request_params(*=required)"
		cNonARN   = "non_arn_id_params"
		cRespARNs = "response_arn_elements"
	)
	rows, col, err := table(data, cModel, cSource, cName, cMutating, cAccess, cReadOnly, cReqARNs, cNonARN, cRespARNs)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(rows))
	ops := make([]*operation, 0, len(rows))
	for _, r := range rows {
		op := &operation{name: r[col[cName]], accessLevel: r[col[cAccess]]}
		if !isIdent(op.name) {
			return nil, fmt.Errorf("operation name %q is not an identifier", op.name)
		}
		if seen[op.name] {
			return nil, fmt.Errorf("%s: duplicate operation", op.name)
		}
		seen[op.name] = true
		var ok bool
		if op.api, ok = apiByModel[r[col[cModel]]]; !ok {
			return nil, fmt.Errorf("%s: unknown service model %q", op.name, r[col[cModel]])
		}
		if s := r[col[cSource]]; s != eventSource {
			return nil, fmt.Errorf("%s: eventSource %q, want %q", op.name, s, eventSource)
		}
		if op.mutating, err = parseBool(r[col[cMutating]], "yes", "no"); err != nil {
			return nil, fmt.Errorf("%s: mutating: %w", op.name, err)
		}
		if op.readOnly, err = parseBool(r[col[cReadOnly]], "true", "false"); err != nil {
			return nil, fmt.Errorf("%s: readOnly: %w", op.name, err)
		}
		// Resolve and the consumers of ReadOnly assume the two columns are
		// complements; the reference states it, so hold the data to it.
		if op.mutating == op.readOnly {
			return nil, fmt.Errorf("%s: mutating and readOnly are both %v", op.name, op.readOnly)
		}
		if !slices.Contains(accessLevels, op.accessLevel) {
			return nil, fmt.Errorf("%s: unknown access level %q", op.name, op.accessLevel)
		}
		for _, p := range list(r[col[cReqARNs]]) {
			name, required := strings.CutSuffix(p, "*")
			op.requestARNs = append(op.requestARNs, name)
			if required {
				op.requiredARN = append(op.requiredARN, name)
			}
		}
		op.responseARN = list(r[col[cRespARNs]])
		// "trackingId* (event tracker tracking ID, not an ARN)": the note
		// may itself hold commas, so drop it before splitting.
		for _, p := range list(stripNotes(r[col[cNonARN]])) {
			op.nonARNIDs = append(op.nonARNIDs, strings.TrimSuffix(p, "*"))
		}
		ops = append(ops, op)
	}
	if len(ops) == 0 {
		return nil, errors.New("no operations")
	}
	return ops, nil
}

func joinPrimary(ops []*operation, data []byte) error {
	const (
		cName = "operation"
		cResp = "primary_response_arn"
		cReq  = "primary_request_arns(in order)"
		cType = "primary_type"
	)
	rows, col, err := table(data, cName, cResp, cReq, cType)
	if err != nil {
		return err
	}
	byName := make(map[string]*operation, len(ops))
	for _, op := range ops {
		byName[op.name] = op
	}
	done := make(map[string]bool, len(rows))
	for _, r := range rows {
		name := r[col[cName]]
		op, ok := byName[name]
		if !ok {
			return fmt.Errorf("%s: not in %s", name, operationsFile)
		}
		if done[name] {
			return fmt.Errorf("%s: duplicate row", name)
		}
		done[name] = true
		if resp := list(r[col[cResp]]); len(resp) > 0 {
			if len(resp) > 1 {
				return fmt.Errorf("%s: more than one primary response member", name)
			}
			if !slices.Contains(op.responseARN, resp[0]) {
				return fmt.Errorf("%s: primary response member %q is not among %v", name, resp[0], op.responseARN)
			}
			op.primaryResp = resp[0]
		}
		for _, p := range list(r[col[cReq]]) {
			if !slices.Contains(op.requestARNs, p) {
				return fmt.Errorf("%s: primary request member %q is not among %v", name, p, op.requestARNs)
			}
			op.primaryReq = append(op.primaryReq, p)
		}
		// Resolve only sees top-level members (personalize.Lookuper).
		for _, p := range append([]string{op.primaryResp}, op.primaryReq...) {
			if strings.ContainsAny(p, ".[]") {
				return fmt.Errorf("%s: primary member %q is nested", name, p)
			}
		}
		types := list(r[col[cType]])
		if (len(types) == 0) != (op.primaryResp == "" && len(op.primaryReq) == 0) {
			return fmt.Errorf("%s: primary_type %q disagrees with the members named", name, r[col[cType]])
		}
	}
	for _, op := range ops {
		if !done[op.name] {
			return fmt.Errorf("%s: no row", op.name)
		}
	}
	return nil
}

func render(ops []*operation) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by \"go run ./internal/gen\" from %s and %s. DO NOT EDIT.\n\n", operationsFile, primaryFile)
	b.WriteString("// Copyright The otelcol-personalize Authors\n// SPDX-License-Identifier: Apache-2.0\n\n")
	b.WriteString("package personalize // import \"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize\"\n\n")
	b.WriteString("// operations holds one entry per row of operations.tsv, in file order.\n")
	b.WriteString("var operations = [...]Operation{\n")
	for _, op := range ops {
		fmt.Fprintf(&b, "{\n")
		fmt.Fprintf(&b, "Name: %q,\n", op.name)
		fmt.Fprintf(&b, "API: %s,\n", op.api)
		fmt.Fprintf(&b, "Mutating: %v,\n", op.mutating)
		fmt.Fprintf(&b, "ReadOnly: %v,\n", op.readOnly)
		fmt.Fprintf(&b, "AccessLevel: %q,\n", op.accessLevel)
		fmt.Fprintf(&b, "RequestARNParams: %s,\n", goStrings(op.requestARNs))
		fmt.Fprintf(&b, "RequiredARNParams: %s,\n", goStrings(op.requiredARN))
		fmt.Fprintf(&b, "ResponseARNs: %s,\n", goStrings(op.responseARN))
		fmt.Fprintf(&b, "NonARNIDParams: %s,\n", goStrings(op.nonARNIDs))
		fmt.Fprintf(&b, "primaryResp: %q,\n", op.primaryResp)
		fmt.Fprintf(&b, "primaryReq: %s,\n", goStrings(op.primaryReq))
		fmt.Fprintf(&b, "},\n")
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting generated code: %w", err)
	}
	return src, nil
}

// goStrings renders a []string literal; nil stays nil so that "no members"
// and "empty list" cannot differ between operations.
func goStrings(ss []string) string {
	if len(ss) == 0 {
		return "nil"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// list splits a comma-separated cell; "-" and "" mean no entries.
func list(cell string) []string {
	cell = strings.TrimSpace(cell)
	if cell == "" || cell == "-" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(cell, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stripNotes removes parenthesised remarks, which the reference data uses to
// annotate a member without being part of its name.
func stripNotes(s string) string {
	var b strings.Builder
	depth := 0
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func parseBool(s, t, f string) (bool, error) {
	switch s {
	case t:
		return true, nil
	case f:
		return false, nil
	}
	return false, fmt.Errorf("%q is neither %q nor %q", s, t, f)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
