package cloudtrail

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
)

// benchRecord renders a realistic CloudTrail record (about 1.3 KB, the size
// of a typical management event with a role session and TLS details).
func benchRecord(i int, personalize bool) string {
	source, name := "ec2.amazonaws.com", "DescribeInstances"
	req := `{"instancesSet":{"items":[{"instanceId":"i-0abcd1234efgh5678"}]},"filterSet":{},"maxResults":1000}`
	resp := `null`
	if personalize {
		source = "personalize.amazonaws.com"
		switch i % 4 {
		case 0:
			name = "CreateCampaign"
			req = `{"name":"campaign-` + fmt.Sprint(i) + `","solutionVersionArn":"arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/3ba6a5be","minProvisionedTPS":1,"campaignConfig":{"itemExplorationConfig":{"explorationWeight":"0.3"}}}`
			resp = `{"campaignArn":"arn:aws:personalize:us-east-1:111122223333:campaign/campaign-` + fmt.Sprint(i) + `"}`
		case 1:
			name = "DescribeDatasetGroup"
			req = `{"datasetGroupArn":"arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg"}`
		case 2:
			name = "ListSolutions"
			req = `{"datasetGroupArn":"arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg","maxResults":100}`
		default:
			name = "DeleteFilter"
			req = `{"filterArn":"arn:aws:personalize:us-east-1:111122223333:filter/f-` + fmt.Sprint(i) + `"}`
		}
	}
	return fmt.Sprintf(`{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEEXAMPLE123:ml-pipeline-%d","arn":"arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/ml-pipeline-%d","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEEXAMPLE12","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEEXAMPLE123","arn":"arn:aws:iam::111122223333:role/PersonalizeAdmin","accountId":"111122223333","userName":"PersonalizeAdmin"},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-20T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-20T09:%02d:%02dZ","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/personalize","requestParameters":%s,"responseElements":%s,"requestID":"6f1c2b3a-%04d-4c5d-9e8f-0a1b2c3d4e5f","eventID":"0e9d8c7b-%04d-4a5b-8c7d-6e5f4a3b2c1d","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"personalize.us-east-1.amazonaws.com"}}`,
		i, i, (i/60)%60, i%60, source, name, i%250, req, resp, i%10000, i%10000)
}

// benchFile builds a Records file of n records, every k-th one Personalize.
func benchFile(n, every int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(benchRecord(i, i%every == 0))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := kgzip.NewWriterLevel(&buf, kgzip.DefaultCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

var benchCases = []struct {
	name  string
	every int // one record in every is Personalize
}{
	{"personalize-heavy", 1},
	{"personalize-5pct", 20},
}

// BenchmarkFileReader measures the whole decode → select → map path. Bytes
// per second are decompressed JSON bytes; selected/s counts mapped records.
func BenchmarkFileReader(b *testing.B) {
	for _, bc := range benchCases {
		plain := benchFile(10000, bc.every)
		compressed := gzipBytes(plain)
		for _, body := range []BodyMode{BodyMap, BodyJSON, BodyNone} {
			for _, gz := range []bool{false, true} {
				input := plain
				if gz {
					input = compressed
				}
				b.Run(fmt.Sprintf("%s/body=%s/gzip=%v", bc.name, body, gz), func(b *testing.B) {
					b.SetBytes(int64(len(plain)))
					b.ReportAllocs()
					var selected int64
					now := time.Now()
					for b.Loop() {
						fr, err := NewFileReader(bytes.NewReader(input), nil, DecoderOptions{})
						if err != nil {
							b.Fatal(err)
						}
						fr.observed = func() time.Time { return now }
						batch := NewBatch(MapOptions{Body: body})
						for {
							err := fr.ReadBatch(batch, 1000)
							batch.Take()
							if err == io.EOF {
								break
							}
							if err != nil {
								b.Fatal(err)
							}
						}
						selected += fr.Stats().Selected
						fr.Close()
					}
					b.ReportMetric(float64(selected)/b.Elapsed().Seconds(), "selected/s")
					b.ReportMetric(float64(10000*int64(b.N))/b.Elapsed().Seconds(), "records/s")
				})
			}
		}
	}
}

// BenchmarkGunzip is the reference for the decompression budget: klauspost
// gzip decompression alone, into io.Discard, of the same files.
func BenchmarkGunzip(b *testing.B) {
	for _, bc := range benchCases {
		plain := benchFile(10000, bc.every)
		compressed := gzipBytes(plain)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			for b.Loop() {
				zr, err := kgzip.NewReader(bytes.NewReader(compressed))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScan measures the record splitter alone on decompressed input.
func BenchmarkScan(b *testing.B) {
	plain := benchFile(10000, 20)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		d, _ := NewDecoder(bytes.NewReader(plain), DecoderOptions{})
		for {
			if _, err := d.Next(); err != nil {
				break
			}
		}
	}
}
