package cloudtrail

import "testing"

func init() {
	if fastScanBox {
		boxScanners = append(boxScanners, struct {
			name string
			scan func(*boxState, []byte) (int, bool)
		}{"blocks-without-assembly", func(st *boxState, b []byte) (int, bool) {
			fastScanBox = false
			defer func() { fastScanBox = true }()
			return st.scanBlocks(b)
		}})
	}
}

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
