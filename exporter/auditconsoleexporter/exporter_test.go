// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package auditconsoleexporter

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter/internal/metadata"
	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// mapRecords maps CloudTrail records with pkg/cloudtrail, as the receiver
// does, so the lines are checked against the attributes it really writes.
func mapRecords(t *testing.T, records ...string) plog.Logs {
	t.Helper()
	b := ct.NewBatch(ct.MapOptions{})
	for _, js := range records {
		var r ct.Record
		if err := r.Parse([]byte(js)); err != nil {
			t.Fatalf("parse %s: %v", js, err)
		}
		if _, err := b.Append(&r, time.Now()); err != nil {
			t.Fatalf("map %s: %v", js, err)
		}
	}
	return b.Take()
}

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		name, record, want string
	}{
		{
			name: "create by an IAM user",
			record: `{"eventVersion":"1.09","eventTime":"2024-05-02T10:01:02Z","eventSource":"personalize.amazonaws.com",
				"eventName":"CreateCampaign","awsRegion":"us-east-1","recipientAccountId":"111122223333",
				"eventID":"e1","userIdentity":{"type":"IAMUser","userName":"alice","accountId":"111122223333"},
				"requestParameters":{"name":"x"},
				"responseElements":{"campaignArn":"arn:aws:personalize:us-east-1:111122223333:campaign/x"}}`,
			want: "2024-05-02T10:01:02Z 111122223333 us-east-1 alice CreateCampaign arn:aws:personalize:us-east-1:111122223333:campaign/x success",
		},
		{
			name: "denied delete by an assumed role",
			record: `{"eventVersion":"1.09","eventTime":"2024-05-02T10:05:00Z","eventSource":"personalize.amazonaws.com",
				"eventName":"DeleteDatasetGroup","awsRegion":"eu-west-1","recipientAccountId":"111122223333","eventID":"e2",
				"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:bob",
					"sessionContext":{"sessionIssuer":{"type":"Role","userName":"ops-admin"}}},
				"errorCode":"AccessDenied","errorMessage":"User is not authorized",
				"requestParameters":{"datasetGroupArn":"arn:aws:personalize:eu-west-1:111122223333:dataset-group/g"}}`,
			want: "2024-05-02T10:05:00Z 111122223333 eu-west-1 ops-admin DeleteDatasetGroup arn:aws:personalize:eu-west-1:111122223333:dataset-group/g failure (AccessDenied)",
		},
		{
			name: "a service acting, no resource",
			record: `{"eventVersion":"1.08","eventTime":"2024-05-02T11:00:00.123Z","eventSource":"personalize.amazonaws.com",
				"eventName":"ListRecipes","awsRegion":"us-east-1","recipientAccountId":"111122223333","eventID":"e3",
				"userIdentity":{"type":"AWSService","invokedBy":"personalize.amazonaws.com"}}`,
			want: "2024-05-02T11:00:00Z 111122223333 us-east-1 personalize.amazonaws.com ListRecipes - success",
		},
		{
			name: "nothing but an event name; a user name with a space is quoted",
			record: `{"eventName":"DescribeCampaign","eventID":"e4","eventSource":"personalize.amazonaws.com",
				"userIdentity":{"type":"IAMUser","userName":"eve smith"}}`,
			want: `- - - "eve smith" DescribeCampaign - success`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := newConsoleExporter(&out).pushLogs(context.Background(), mapRecords(t, tc.record)); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want+"\n" {
				t.Fatalf("line\n got %q\nwant %q", got, tc.want+"\n")
			}
		})
	}
}

func TestOneLinePerRecordAcrossResources(t *testing.T) {
	rec := func(id, account, region, name string) string {
		return `{"eventTime":"2024-05-02T10:00:00Z","eventSource":"personalize.amazonaws.com","eventName":"` + name +
			`","awsRegion":"` + region + `","recipientAccountId":"` + account + `","eventID":"` + id + `"}`
	}
	ld := mapRecords(t,
		rec("a", "111122223333", "us-east-1", "ListCampaigns"),
		rec("b", "444455556666", "us-west-2", "ListSolutions"),
		rec("c", "111122223333", "us-east-1", "ListFilters"),
	)
	var out bytes.Buffer
	if err := newConsoleExporter(&out).pushLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines for 3 records:\n%s", len(lines), out.String())
	}
	for _, want := range []string{
		"111122223333 us-east-1 - ListCampaigns",
		"444455556666 us-west-2 - ListSolutions",
		"111122223333 us-east-1 - ListFilters",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no line holds %q:\n%s", want, out.String())
		}
	}
	for _, l := range lines {
		if n := len(strings.Fields(l)); n != 7 {
			t.Errorf("line %q has %d columns, want 7", l, n)
		}
	}
}

func TestColumnKeepsLinesApart(t *testing.T) {
	for in, want := range map[string]string{
		"":            "-",
		"alice":       "alice",
		"a\nb":        `"a\nb"`,
		"tab\there":   `"tab\there"`,
		`say "hi"`:    `"say \"hi\""`,
		"\x1b[31mred": `"\x1b[31mred"`,
	} {
		if got := column(in); got != want {
			t.Errorf("column(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFactoryLifecycle(t *testing.T) {
	f := NewFactory()
	if f.Type() != metadata.Type {
		t.Fatalf("type %v", f.Type())
	}
	cfg := f.CreateDefaultConfig()
	if err := componenttest.CheckConfigStruct(cfg); err != nil {
		t.Fatal(err)
	}
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	if err := exp.ConsumeLogs(context.Background(), plog.NewLogs()); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
