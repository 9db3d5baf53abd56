// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package sqsqueue

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"
)

func readNotification(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "notifications", name))
	require.NoError(t, err)
	return string(b)
}

func TestParseNotification(t *testing.T) {
	s3Event := readNotification(t, "s3-event.json")
	ct1 := readNotification(t, "cloudtrail-sns-notification-message-1.json")
	ct2 := readNotification(t, "cloudtrail-sns-notification-message-2.json")
	s3Test := `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T10:00:00.000Z","Bucket":"trail-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`
	plusKey := strings.Replace(s3Event, "Happy%20Face.jpg", "audit+logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x%2By.json.gz", 1)
	const ctKey = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1005Z_abcdEFGH12345678.json.gz"
	// ebS3 is an S3 event as EventBridge delivers it to a rule's SQS target
	// (the shape EventBridge gives S3 events); its key is not URL-encoded.
	ebS3 := func(detailType, key string) string {
		k, err := json.Marshal(key)
		require.NoError(t, err)
		return `{"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"` + detailType + `","source":"aws.s3",` +
			`"account":"111122223333","time":"2024-05-01T10:05:00Z","region":"us-east-1","resources":["arn:aws:s3:::trail-bucket"],` +
			`"detail":{"version":"0","bucket":{"name":"trail-bucket"},"object":{"key":` + string(k) + `,"size":5576,` +
			`"etag":"b1946ac92492d2347c6235b4d2611184","sequencer":"00617F08299329D189"},"request-id":"N4N7GDK58NMKJ12R",` +
			`"requester":"cloudtrail.amazonaws.com","source-ip-address":"","reason":"PutObject"}}`
	}

	tests := []struct {
		name string
		body string
		kind notificationKind
		refs []s3Ref
	}{
		{"S3 event (aws-lambda-go sample)", s3Event, notifyObjects, []s3Ref{{"sourcebucket", "Happy Face.jpg"}}},
		{"S3 event with a form-encoded key", plusKey, notifyObjects, []s3Ref{{"sourcebucket", "audit logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x+y.json.gz"}}},
		{"S3 event in SNS", receivertest.SNSWrap(t, s3Event), notifyObjects, []s3Ref{{"sourcebucket", "Happy Face.jpg"}}},
		{"S3 deletion event", strings.Replace(s3Event, "ObjectCreated:Put", "ObjectRemoved:Delete", 1), notifyObjects, nil},
		{"CloudTrail SNS message, raw delivery", ct1, notifyObjects, []s3Ref{{"your-bucket-name", "AWSLogs/123456789012/CloudTrail/us-east-2/2013/12/13/123456789012_CloudTrail_us-west-2_20131213T1920Z_LnPgDQnpkSKEsppV.json.gz"}}},
		{"CloudTrail SNS message in SNS, keys not unescaped", receivertest.SNSWrap(t, strings.Replace(ct1, "LnPgDQnpkSKEsppV", "Ln%20gDQ+pkSKEsppV", 1)), notifyObjects, []s3Ref{{"your-bucket-name", "AWSLogs/123456789012/CloudTrail/us-east-2/2013/12/13/123456789012_CloudTrail_us-west-2_20131213T1920Z_Ln%20gDQ+pkSKEsppV.json.gz"}}},
		{"S3 test event", s3Test, notifyTest, nil},
		{"S3 test event in SNS", receivertest.SNSWrap(t, s3Test), notifyTest, nil},
		{"CloudTrail validation message in SNS", receivertest.SNSWrap(t, "CloudTrail validation message."), notifyTest, nil},
		{"CloudTrail validation message, raw", "CloudTrail validation message.", notifyTest, nil},
		{"subscription confirmation", `{"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe","SubscribeURL":"https://example.com"}`, notifyUnknown, nil},
		{"not JSON", "hello", notifyUnknown, nil},
		{"other JSON", `{"detail-type":"Object Created"}`, notifyUnknown, nil},
		{"EventBridge S3 event", ebS3("Object Created", ctKey), notifyObjects, []s3Ref{{"trail-bucket", ctKey}}},
		{"EventBridge S3 event, key with characters S3 notifications escape", ebS3("Object Created", "firehose/2025/06/07/08/ct+eb 1:2.gz"), notifyObjects, []s3Ref{{"trail-bucket", "firehose/2025/06/07/08/ct+eb 1:2.gz"}}},
		{"EventBridge S3 event in SNS", receivertest.SNSWrap(t, ebS3("Object Created", ctKey)), notifyObjects, []s3Ref{{"trail-bucket", ctKey}}},
		{"EventBridge S3 deletion", ebS3("Object Deleted", ctKey), notifyObjects, nil},
		{"EventBridge event of another service", strings.Replace(ebS3("Object Created", ctKey), `"aws.s3"`, `"aws.personalize"`, 1), notifyUnknown, nil},
		{"EventBridge S3 event without a key", ebS3("Object Created", ""), notifyUnknown, nil},
		{"CloudTrail SNS message with an empty key (found by FuzzParseNotification)", `{"s3Bucket":"b","s3ObjectKey":["k1",""]}`, notifyObjects, []s3Ref{{"b", "k1"}}},
		{"CloudTrail SNS message with only an empty key", `{"s3Bucket":"b","s3ObjectKey":[""]}`, notifyUnknown, nil},
		{"SNS in SNS", receivertest.SNSWrap(t, receivertest.SNSWrap(t, ct1)), notifyUnknown, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, kind, err := parseNotification(tt.body)
			require.Equal(t, tt.kind, kind, "kind (error %v)", err)
			if kind == notifyUnknown {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.refs, refs)
		})
	}

	refs, kind, err := parseNotification(ct2)
	require.NoError(t, err)
	require.Equal(t, notifyObjects, kind)
	require.Len(t, refs, 3, "one CloudTrail message can name several files")
}
