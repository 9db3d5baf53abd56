package cloudtrail

import "testing"

// TestPortablePath runs the golden and decoder tests with the vector
// classifier switched off, as on CPUs without AVX2 (and other
// architectures): the string-skipping splitter and the byte-loop string scan
// must give the same results.
func TestPortablePath(t *testing.T) {
	if !fastClassify {
		t.Skip("this CPU already takes the portable path in every test")
	}
	fastClassify = false
	defer func() { fastClassify = true }()
	for name, test := range map[string]func(*testing.T){
		"GoldenFixtures":                  TestGoldenFixtures,
		"GoldenExamples":                  TestGoldenExamples,
		"DecoderEnvelopes":                TestDecoderEnvelopes,
		"DecoderOneByteReads":             TestDecoderOneByteReads,
		"DecoderBadInput":                 TestDecoderBadInput,
		"DecoderOversizedRecordIsSkipped": TestDecoderOversizedRecordIsSkipped,
		"ParseMatchesStdlib":              TestParseMatchesStdlib,
	} {
		t.Run(name, test)
	}
}
