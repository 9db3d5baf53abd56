// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package sqsqueue

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// snsWrap is receivertest.SNSWrap for the fuzz target, which has no
// *testing.T outside its function.
func snsWrap(message string) string {
	b, _ := json.Marshal(map[string]string{
		"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn": "arn:aws:sns:us-east-2:123456789012:trail-topic", "Message": message,
	})
	return string(b)
}

// FuzzParseNotification: whatever an SQS message holds, the parser never
// panics; it names objects (each with a bucket and a key), recognises a
// test message, or says why it cannot, and never two of these at once. The
// same message delivered through SNS (without raw delivery) parses the same.
func FuzzParseNotification(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "notifications", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed notifications (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		f.Add(snsWrap(string(b)))
	}
	for _, s := range []string{
		cloudTrailValidationMessage, " " + cloudTrailValidationMessage + "\n", snsWrap(cloudTrailValidationMessage),
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"trail-bucket"}`,
		`{"Type":"SubscriptionConfirmation","Message":"x"}`,
		`{"s3Bucket":"b","s3ObjectKey":["k1","",  "k2"]}`, `{"s3Bucket":"b","s3ObjectKey":[""]}`, `{"s3Bucket":"","s3ObjectKey":["k"]}`,
		`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a+b%2Fc%ZZ"}}}]}`,
		`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%20"}}}]}`,
		`{"Records":null}`, `{"Records":{}}`, `{"Records":[]}`, `{"Records":[null]}`,
		`{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"k"}}}`,
		`{"detail-type":"Object Created","source":"aws.s3","detail":null}`,
		snsWrap(snsWrap(`{"s3Bucket":"b","s3ObjectKey":["k"]}`)), `{"Type":"Notification","Message":null}`, `[]`, `null`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		refs, kind, err := parseNotification(body)
		check := func(what string, refs []s3Ref, kind notificationKind, err error) {
			switch kind {
			case notifyUnknown:
				if err == nil || refs != nil {
					t.Fatalf("%s: unknown without an error (%v) or with objects %v", what, err, refs)
				}
			case notifyTest:
				if err != nil || refs != nil {
					t.Fatalf("%s: test message with error %v or objects %v", what, err, refs)
				}
			case notifyObjects:
				if err != nil {
					t.Fatalf("%s: objects %v with error %v", what, refs, err)
				}
				for _, r := range refs {
					if r.bucket == "" || r.key == "" {
						t.Fatalf("%s: an object without bucket or key: %+v", what, refs)
					}
				}
			default:
				t.Fatalf("%s: kind %d", what, kind)
			}
		}
		check("raw", refs, kind, err)

		var sns struct{ Type string }
		if kind == notifyUnknown || (json.Unmarshal([]byte(strings.TrimSpace(body)), &sns) == nil && sns.Type != "") {
			return // SNS in SNS is refused, and so is what is refused raw
		}
		wrefs, wkind, werr := parseNotification(snsWrap(body))
		check("in SNS", wrefs, wkind, werr)
		if wkind != kind || !reflect.DeepEqual(wrefs, refs) {
			t.Fatalf("raw: %v %+v; in SNS: %v %+v (%v)", kind, refs, wkind, wrefs, werr)
		}
	})
}
