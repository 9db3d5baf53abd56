// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
)

// benchRecord renders a realistic CloudTrail record (about 1.2 to 1.8 KB, the
// size of a typical management event with a role session and TLS details).
//
// Values that are random in real trails are random here too (event and
// request ids, access keys, session tokens, addresses), drawn from a
// generator seeded by i so that a record is the same in every run: gzip then
// compresses the files about as well as real trails (8:1 for the mixed file,
// 14:1 for the Personalize-only one) rather than the 20:1 of near-identical
// records, which matters for the decompression budget.
func benchRecord(i int, personalize bool) string {
	rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	source, name := "", ""
	req, resp := `null`, `null`
	if personalize {
		source = "personalize.amazonaws.com"
		switch i % 4 {
		case 0:
			name = "CreateCampaign"
			req = `{"name":"campaign-` + fmt.Sprint(i) + `","solutionVersionArn":"arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/` + hexString(rng, 8) + `","minProvisionedTPS":1,"campaignConfig":{"itemExplorationConfig":{"explorationWeight":"0.3"}}}`
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
	} else {
		switch rng.IntN(6) {
		case 0:
			source, name = "ec2.amazonaws.com", "DescribeInstances"
			req = `{"instancesSet":{"items":[{"instanceId":"i-0` + hexString(rng, 16) + `"}]},"filterSet":{},"maxResults":1000}`
		case 1:
			source, name = "sts.amazonaws.com", "AssumeRole"
			req = `{"roleArn":"arn:aws:iam::111122223333:role/worker-` + fmt.Sprint(rng.IntN(40)) + `","roleSessionName":"` + hexString(rng, 20) + `","durationSeconds":3600}`
			resp = `{"credentials":{"accessKeyId":"ASIA` + upperString(rng, 16) + `","sessionToken":"` + base64String(rng, 360) + `","expiration":"Nov 20, 2026, 10:00:00 AM"},"assumedRoleUser":{"assumedRoleId":"AROA` + upperString(rng, 17) + `:` + hexString(rng, 20) + `","arn":"arn:aws:sts::111122223333:assumed-role/worker/` + hexString(rng, 20) + `"}}`
		case 2:
			source, name = "kms.amazonaws.com", "Decrypt"
			req = `{"encryptionContext":{"aws:s3:arn":"arn:aws:s3:::data-lake-` + fmt.Sprint(rng.IntN(9)) + `/part-` + hexString(rng, 12) + `.parquet"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`
		case 3:
			source, name = "s3.amazonaws.com", "GetBucketAcl"
			req = `{"bucketName":"data-lake-` + fmt.Sprint(rng.IntN(9)) + `","Host":"data-lake.s3.us-east-1.amazonaws.com","acl":""}`
		case 4:
			source, name = "logs.amazonaws.com", "CreateLogStream"
			req = `{"logGroupName":"/aws/lambda/ingest-` + fmt.Sprint(rng.IntN(30)) + `","logStreamName":"2026/11/20/[$LATEST]` + hexString(rng, 32) + `"}`
		default:
			source, name = "ssm.amazonaws.com", "GetParameter"
			req = `{"name":"/app/config/` + hexString(rng, 6) + `","withDecryption":true}`
		}
	}
	agents := [...]string{
		"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/personalize",
		"Boto3/1.34.12 md/Botocore#1.34.12 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.12",
		"aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.6",
		"AWS Internal",
		"console.amazonaws.com",
	}
	session := fmt.Sprintf("ml-pipeline-%d", rng.IntN(50))
	return fmt.Sprintf(`{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEEXAMPLE123:%s","arn":"arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/%s","accountId":"111122223333","accessKeyId":"ASIA%s","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEEXAMPLE123","arn":"arn:aws:iam::111122223333:role/PersonalizeAdmin","accountId":"111122223333","userName":"PersonalizeAdmin"},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-20T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-20T%02d:%02d:%02dZ","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"%d.%d.%d.%d","userAgent":"%s","requestParameters":%s,"responseElements":%s,"requestID":"%s","eventID":"%s","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s"}}`,
		session, session, upperString(rng, 16), 9+i/3600%12, i/60%60, i%60, source, name,
		[...]int{198, 203, 52, 3}[rng.IntN(4)], rng.IntN(256), rng.IntN(256), 1+rng.IntN(254),
		agents[rng.IntN(len(agents))], req, resp, uuid(rng), uuid(rng),
		strings.Replace(source, ".amazonaws.com", ".us-east-1.amazonaws.com", 1))
}

func hexString(rng *rand.Rand, n int) string { return randString(rng, n, "0123456789abcdef") }
func upperString(rng *rand.Rand, n int) string {
	return randString(rng, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
}
func base64String(rng *rand.Rand, n int) string {
	return randString(rng, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}

func randString(rng *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func uuid(rng *rand.Rand) string {
	h := hexString(rng, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
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

// benchLines builds the same records as benchFile as JSON Lines.
func benchLines(n, every int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString(benchRecord(i, i%every == 0))
		b.WriteByte('\n')
	}
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
						selected += readFile(b, input, body, now).Selected
					}
					b.ReportMetric(float64(selected)/b.Elapsed().Seconds(), "selected/s")
					b.ReportMetric(float64(10000*int64(b.N))/b.Elapsed().Seconds(), "records/s")
				})
			}
		}
	}
}

// readFile maps every selected record of input in batches of 1000, as the
// receiver does, and returns the reader's stats.
func readFile(b *testing.B, input []byte, body BodyMode, observed time.Time) FileStats {
	fr, err := NewFileReader(bytes.NewReader(input), nil, DecoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer fr.Close()
	fr.observed = func() time.Time { return observed }
	batch := NewBatch(MapOptions{Body: body})
	for {
		err := fr.ReadBatch(batch, 1000)
		batch.Take()
		if err == io.EOF {
			return fr.Stats()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONLines is BenchmarkFileReader's body=none case on the same
// records written one per line (exports, Firehose deliveries): each record is
// a top-level value there, told apart from an envelope by its first key.
func BenchmarkJSONLines(b *testing.B) {
	for _, bc := range benchCases {
		plain := benchLines(10000, bc.every)
		compressed := gzipBytes(plain)
		for _, gz := range []bool{false, true} {
			input := plain
			if gz {
				input = compressed
			}
			b.Run(fmt.Sprintf("%s/gzip=%v", bc.name, gz), func(b *testing.B) {
				b.SetBytes(int64(len(plain)))
				b.ReportAllocs()
				var selected int64
				now := time.Now()
				for b.Loop() {
					st := readFile(b, input, BodyNone, now)
					if st.Format != FormatObjects || st.Records != 10000 {
						b.Fatalf("format %v, %d records", st.Format, st.Records)
					}
					selected += st.Selected
				}
				b.ReportMetric(float64(selected)/b.Elapsed().Seconds(), "selected/s")
			})
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
