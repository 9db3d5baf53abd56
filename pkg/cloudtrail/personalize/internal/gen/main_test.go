// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pkgDir is the personalize package, where go:generate runs the generator.
const pkgDir = "../.."

// TestGeneratedUpToDate fails when operations.tsv, primary.tsv or the
// generator changed without `go generate` being rerun.
func TestGeneratedUpToDate(t *testing.T) {
	want, err := generateDir(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(pkgDir, outputFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `go generate ./pkg/cloudtrail/personalize`", outputFile)
	}
}

func TestGeneratedHeader(t *testing.T) {
	src, err := generateDir(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(src), "\n")
	// The form go/build and linters recognise as generated code.
	if !strings.HasPrefix(first, "// Code generated ") || !strings.HasSuffix(first, " DO NOT EDIT.") {
		t.Fatalf("first line %q is not a generated-code header", first)
	}
}

const (
	opsHeader = "service_model_uid\tsdk_client\tendpoint_host_prefix\tsigning_name\texpected_cloudtrail_eventSource\toperation\thttp_binding\tmutating\tiam_access_level(SAR)\texpected_readOnly\tarn_request_params(*=required)\tother_arn_request_params(role/kms)\tnon_arn_id_params\tresponse_arn_elements\tfirst_in_botocore\n"
	opCreate  = "personalize-2018-05-22\tpersonalize\tpersonalize\tpersonalize\tpersonalize.amazonaws.com\tCreateCampaign\tPOST /\tyes\tWrite\tfalse\tsolutionVersionArn*\t-\t-\tcampaignArn\t2019-06-10\n"
	opPut     = "personalize-events-2018-03-22\tpersonalize-events\tpersonalize-events\tpersonalize\tpersonalize.amazonaws.com\tPutEvents\tPOST /events\tyes\tWrite\tfalse\t-\t-\ttrackingId* (event tracker tracking ID, not an ARN)\t-\t2019-06-10\n"
	primHdr   = "# comment\noperation\tprimary_response_arn\tprimary_request_arns(in order)\tprimary_type\n"
	primOK    = primHdr + "CreateCampaign\tcampaignArn\t-\tcampaign\nPutEvents\t-\t-\t-\n"
)

func TestGenerateSmall(t *testing.T) {
	src, err := generate([]byte(opsHeader+opCreate+opPut), []byte(primOK))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`Name:              "CreateCampaign"`,
		`API:               APIControl`,
		`RequestARNParams:  []string{"solutionVersionArn"}`,
		`RequiredARNParams: []string{"solutionVersionArn"}`,
		`primaryResp:       "campaignArn"`,
		`API:               APIEvents`,
		`NonARNIDParams:    []string{"trackingId"}`,
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("generated source lacks %q:\n%s", want, src)
		}
	}
}

// TestGenerateRejects pins the cross-checks that keep a typo in either file
// from compiling into a table that silently resolves nothing.
func TestGenerateRejects(t *testing.T) {
	replace := func(s, old, new string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("test setup: %q not in %q", old, s)
		}
		return strings.Replace(s, old, new, 1)
	}
	cases := []struct {
		name, ops, primary, wantErr string
	}{
		{"unknown model", replace(opsHeader+opCreate+opPut, "personalize-2018-05-22", "personalize-2099-01-01"), primOK, "unknown service model"},
		{"wrong eventSource", replace(opsHeader+opCreate+opPut, "personalize.amazonaws.com\tCreate", "personalize-runtime.amazonaws.com\tCreate"), primOK, "eventSource"},
		{"duplicate operation", opsHeader + opCreate + opCreate, primOK, "duplicate operation"},
		{"bad mutating", replace(opsHeader+opCreate+opPut, "\tyes\tWrite\tfalse\tsolution", "\tmaybe\tWrite\tfalse\tsolution"), primOK, "mutating"},
		{"readOnly disagrees", replace(opsHeader+opCreate+opPut, "\tyes\tWrite\tfalse\tsolution", "\tyes\tWrite\ttrue\tsolution"), primOK, "both"},
		{"unknown access level", replace(opsHeader+opCreate+opPut, "\tWrite\tfalse\tsolution", "\tAdmin\tfalse\tsolution"), primOK, "access level"},
		{"short row", opsHeader + "a\tb\n", primOK, "fields"},
		{"missing column", strings.Replace(opsHeader, "response_arn_elements", "resp", 1) + opCreate, primOK, "missing column"},
		{"no rows", opsHeader, primOK, "no operations"},
		{"not an identifier", replace(opsHeader+opCreate, "\tCreateCampaign\t", "\tCreate Campaign\t"), primOK, "identifier"},
		{"primary for unknown op", opsHeader + opCreate + opPut, primOK + "DeleteCampaign\t-\tcampaignArn\tcampaign\n", "not in"},
		{"op without primary row", opsHeader + opCreate + opPut, primHdr + "CreateCampaign\tcampaignArn\t-\tcampaign\n", "no row"},
		{"duplicate primary row", opsHeader + opCreate + opPut, primOK + "PutEvents\t-\t-\t-\n", "duplicate row"},
		{"response member typo", opsHeader + opCreate + opPut, replace(primOK, "\tcampaignArn\t", "\tcampaignARN\t"), "primary response member"},
		{"request member not in op", opsHeader + opCreate + opPut, replace(primOK, "\tcampaignArn\t-\t", "\tcampaignArn\tcampaignArn\t"), "primary request member"},
		{"two response members", opsHeader + opCreate + opPut, replace(primOK, "\tcampaignArn\t", "\tcampaignArn,x\t"), "more than one"},
		{"type without members", opsHeader + opCreate + opPut, replace(primOK, "PutEvents\t-\t-\t-", "PutEvents\t-\t-\tdataset"), "disagrees"},
		{"members without type", opsHeader + opCreate + opPut, replace(primOK, "\tcampaignArn\t-\tcampaign", "\tcampaignArn\t-\t-"), "disagrees"},
		{
			"nested primary member",
			opsHeader + replace(opCreate, "\tsolutionVersionArn*\t", "\tsolutionVersionArn*,a.b\t") + opPut,
			replace(primOK, "\tcampaignArn\t-\t", "\tcampaignArn\ta.b\t"),
			"nested",
		},
		{"empty primary file", opsHeader + opCreate + opPut, "", "no header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := generate([]byte(c.ops), []byte(c.primary))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

func TestStripNotes(t *testing.T) {
	cases := map[string]string{
		"trackingId* (event tracker tracking ID, not an ARN)": "trackingId* ",
		"a (x (y)), b":  "a , b",
		"-":             "-",
		"plain":         "plain",
		"unbalanced) x": "unbalanced) x",
	}
	for in, want := range cases {
		if got := stripNotes(in); got != want {
			t.Errorf("stripNotes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestList(t *testing.T) {
	cases := map[string][]string{
		"":                 nil,
		"-":                nil,
		" - ":              nil,
		"a":                {"a"},
		"a*,b, c ,,":       {"a*", "b", "c"},
		"x.y[].z,w":        {"x.y[].z", "w"},
		"trackingId* (id)": {"trackingId* (id)"},
	}
	for in, want := range cases {
		got := list(in)
		if strings.Join(got, "|") != strings.Join(want, "|") || (got == nil) != (want == nil) {
			t.Errorf("list(%q) = %#v, want %#v", in, got, want)
		}
	}
}
