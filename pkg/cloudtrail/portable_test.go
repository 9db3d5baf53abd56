// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"testing"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// TestPortablePath runs the golden and decoder tests with the vector
// classifier switched off, as on CPUs without AVX2 (and other
// architectures): the string-skipping splitter and the byte-loop string scan
// must give the same results. (jsonscan's TestPortablePath runs the
// parser's tests so.)
func TestPortablePath(t *testing.T) {
	if !jsonscan.Vector() {
		t.Skip("this CPU already takes the portable path in every test")
	}
	jsonscan.SetVector(false)
	defer jsonscan.SetVector(true)
	for name, test := range map[string]func(*testing.T){
		"GoldenFixtures":                  TestGoldenFixtures,
		"GoldenExamples":                  TestGoldenExamples,
		"DecoderEnvelopes":                TestDecoderEnvelopes,
		"DecoderOneByteReads":             TestDecoderOneByteReads,
		"DecoderBadInput":                 TestDecoderBadInput,
		"DecoderOversizedRecordIsSkipped": TestDecoderOversizedRecordIsSkipped,
	} {
		t.Run(name, test)
	}
}
