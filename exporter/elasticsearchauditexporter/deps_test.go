// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"os/exec"
	"strings"
	"testing"
)

// TestExportersDoNotImportTheDecoder: the exporters read the records'
// attributes by the names of pkg/cloudtrail/attr, a leaf, and do not link
// the decoder (its splitter, parser and assembly).
func TestExportersDoNotImportTheDecoder(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	const mod = "github.com/personalize-audit/otelcol-personalize/"
	out, err := exec.Command(goTool, "list", "-deps",
		mod+"exporter/elasticsearchauditexporter", mod+"exporter/auditconsoleexporter").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	sawAttr := false
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case mod + "pkg/cloudtrail":
			t.Errorf("an exporter links the decoder %s; use %spkg/cloudtrail/attr", dep, mod)
		case mod + "pkg/cloudtrail/attr":
			sawAttr = true
		}
	}
	if !sawAttr {
		t.Error("no exporter uses pkg/cloudtrail/attr: has the package moved?")
	}
}
