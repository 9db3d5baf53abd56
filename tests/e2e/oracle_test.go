// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// This file is the test's own, independent reading of CloudTrail files: plain
// encoding/json, nothing shared with the receiver's decoder.

const personalizeSource = "personalize.amazonaws.com"

// expectedEvent is one CloudTrail record the distribution should deliver.
type expectedEvent struct {
	EventID     string
	EventSource string
	EventName   string
	ErrorCode   string
	AccountID   string // recipientAccountId, else userIdentity.accountId
	Region      string // awsRegion
	EventTime   time.Time
	HasTime     bool
	File        string // where the oracle first found it
	Record      map[string]any
}

// oracleReport is what the oracle saw in a directory.
type oracleReport struct {
	Events     map[string]expectedEvent // selected records by eventID (first occurrence wins)
	Files      int                      // CloudTrail files read
	Digests    int                      // digest files skipped
	Duplicates int                      // selected records whose eventID was already seen
	Skipped    []string                 // why files or records were passed over
}

func (r oracleReport) IDs() []string {
	ids := make([]string, 0, len(r.Events))
	for id := range r.Events {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// isCloudTrailFileName mirrors the receiver's file selection: *.json,
// *.jsonl and *.ndjson, each possibly .gz (case-insensitive).
func isCloudTrailFileName(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".ndjson")
}

// cloudTrailOracle walks dir and returns the records whose eventSource is
// source, keyed by eventID. Files are gzip when they start with 1f 8b, else
// plain JSON. Digest files (a path containing "CloudTrail-Digest", or an
// object with logFiles and no Records) hold no records. Besides the
// {"Records":[...]} envelope it reads a bare array of records, the CloudWatch
// Logs subscription envelope, LookupEvents output ({"Events":[...]}),
// records as top-level objects (JSON Lines), EventBridge events whose detail
// is a record, and several documents back to back.
func cloudTrailOracle(dir, source string) (oracleReport, error) {
	rep := oracleReport{Events: map[string]expectedEvent{}}
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && isCloudTrailFileName(d.Name()) {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	sort.Strings(paths)
	for _, path := range paths {
		if strings.Contains(path, "CloudTrail-Digest") {
			rep.Digests++
			continue
		}
		records, digest, err := readCloudTrailFile(path)
		if digest {
			rep.Digests++
		} else {
			rep.Files++
		}
		if err != nil {
			// Records read before the error still count: the receiver
			// streams files and delivers what precedes a defect.
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v (after %d records)", path, err, len(records)))
		}
		for i, rec := range records {
			if str(rec, "eventSource") != source {
				continue
			}
			ev, why := toExpected(rec)
			if why != "" {
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: record %d: %s", path, i, why))
				continue
			}
			if _, dup := rep.Events[ev.EventID]; dup {
				rep.Duplicates++
				continue
			}
			ev.File = path
			rep.Events[ev.EventID] = ev
		}
	}
	return rep, nil
}

func toExpected(rec map[string]any) (expectedEvent, string) {
	ev := expectedEvent{
		EventID:     str(rec, "eventID"),
		EventSource: str(rec, "eventSource"),
		EventName:   str(rec, "eventName"),
		ErrorCode:   str(rec, "errorCode"),
		AccountID:   str(rec, "recipientAccountId"),
		Region:      str(rec, "awsRegion"),
		Record:      rec,
	}
	if ev.EventID == "" {
		return ev, "no eventID"
	}
	if ev.AccountID == "" {
		if ui, ok := rec["userIdentity"].(map[string]any); ok {
			ev.AccountID = str(ui, "accountId")
		}
	}
	switch v := rec["eventTime"].(type) {
	case nil:
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return ev, fmt.Sprintf("eventID %s: malformed eventTime %q", ev.EventID, v)
		}
		ev.EventTime, ev.HasTime = t, true
	default:
		return ev, fmt.Sprintf("eventID %s: eventTime is not a string", ev.EventID)
	}
	return ev, ""
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// readCloudTrailFile returns the records of one file, and whether it was a
// digest file. On a decoding error it returns the records read before it.
// exportStamp is the timestamp and blank that start each line of a
// CloudWatch Logs export.
var exportStamp = regexp.MustCompile(`(?m)^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})[ \t]`)

func readCloudTrailFile(path string) (records []map[string]any, digest bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, false, fmt.Errorf("gzip: %w", err)
		}
		data, err = io.ReadAll(zr)
		if err != nil {
			return nil, false, fmt.Errorf("gzip: %w", err)
		}
	}
	if len(data) > 0 && data[0] >= '0' && data[0] <= '9' {
		// A CloudWatch Logs export: "<RFC 3339 time> <message>" lines.
		data = exportStamp.ReplaceAll(data, nil)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	sawDoc := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if !sawDoc {
				return records, false, errors.New("empty file")
			}
			return records, digest, nil
		}
		if err != nil {
			return records, false, err
		}
		sawDoc = true
		switch tok {
		case json.Delim('['): // bare array of records
			if err := readRecordArray(dec, &records); err != nil {
				return records, false, err
			}
		case json.Delim('{'):
			isDigest, err := readTopObject(dec, &records)
			if err != nil {
				return records, false, err
			}
			digest = digest || isDigest
		default:
			return records, false, fmt.Errorf("unexpected top-level JSON value %v", tok)
		}
	}
}

// readTopObject reads the members of a top-level object whose '{' has been
// consumed. An object that is no envelope is a record itself, or an
// EventBridge event wrapping one.
func readTopObject(dec *json.Decoder, records *[]map[string]any) (digest bool, err error) {
	var sawRecords, digestKeys, control bool
	var cwRecords []map[string]any
	other := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		key, _ := tok.(string)
		switch key {
		case "Records":
			sawRecords = true
			tok, err := dec.Token()
			if err != nil {
				return false, err
			}
			switch tok {
			case nil:
			case json.Delim('['):
				if err := readRecordArray(dec, records); err != nil {
					return false, err
				}
			default:
				return false, fmt.Errorf("Records is not an array (%v)", tok)
			}
		case "logEvents", "Events":
			var events []map[string]any
			if err := dec.Decode(&events); err != nil {
				return false, fmt.Errorf("%s: %w", key, err)
			}
			field := "message"
			if key == "Events" {
				field = "CloudTrailEvent"
			}
			for _, e := range events {
				if rec := recordFromString(e[field]); rec != nil {
					cwRecords = append(cwRecords, rec)
				}
			}
			sawRecords = true
		case "messageType":
			var mt any
			if err := dec.Decode(&mt); err != nil {
				return false, err
			}
			control = mt == "CONTROL_MESSAGE"
		default:
			if key == "logFiles" || strings.HasPrefix(key, "digest") {
				digestKeys = true
			}
			var v any
			if err := dec.Decode(&v); err != nil {
				return false, err
			}
			other[key] = v
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return false, err
	}
	if !control {
		*records = append(*records, cwRecords...)
	}
	switch {
	case sawRecords:
		return false, nil
	case digestKeys:
		return true, nil
	}
	if rec, isEvent := unwrapEvent(other); isEvent {
		if rec != nil {
			*records = append(*records, rec)
		}
		return false, nil
	}
	if _, ok := other["eventSource"]; ok {
		*records = append(*records, other)
		return false, nil
	}
	return false, errors.New("not a CloudTrail document (no Records, logEvents or digest fields)")
}

// unwrapEvent returns the record an EventBridge event ("... via CloudTrail")
// or a LookupEvents event holds; isEvent says whether m is such an event at
// all (an EventBridge event of another kind holds no record).
func unwrapEvent(m map[string]any) (rec map[string]any, isEvent bool) {
	if s, ok := m["CloudTrailEvent"]; ok {
		return recordFromString(s), true
	}
	dt, ok := m["detail-type"].(string)
	if !ok {
		return nil, false
	}
	detail, _ := m["detail"].(map[string]any)
	if !strings.HasSuffix(dt, "via CloudTrail") {
		return nil, true
	}
	return detail, true
}

// recordFromString decodes a record held as a JSON string.
func recordFromString(v any) map[string]any {
	s, _ := v.(string)
	md := json.NewDecoder(strings.NewReader(s))
	md.UseNumber()
	var rec map[string]any
	if md.Decode(&rec) != nil {
		return nil
	}
	return rec
}

// readRecordArray reads the elements of an array whose '[' has been consumed.
// Elements that are not objects are passed over; events are unwrapped.
func readRecordArray(dec *json.Decoder, records *[]map[string]any) error {
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if rec, ok := v.(map[string]any); ok {
			if inner, isEvent := unwrapEvent(rec); isEvent {
				rec = inner
			}
			if rec != nil {
				*records = append(*records, rec)
			}
		}
	}
	_, err := dec.Token() // ']'
	return err
}

// --- generating CloudTrail files -------------------------------------------

// ctRecord is a synthetic CloudTrail record for files the tests write.
type ctRecord struct {
	EventVersion       string         `json:"eventVersion"`
	UserIdentity       map[string]any `json:"userIdentity"`
	EventTime          string         `json:"eventTime"`
	EventSource        string         `json:"eventSource"`
	EventName          string         `json:"eventName"`
	AWSRegion          string         `json:"awsRegion"`
	SourceIPAddress    string         `json:"sourceIPAddress"`
	UserAgent          string         `json:"userAgent"`
	ErrorCode          string         `json:"errorCode,omitempty"`
	ErrorMessage       string         `json:"errorMessage,omitempty"`
	RequestParameters  map[string]any `json:"requestParameters"`
	ResponseElements   map[string]any `json:"responseElements"`
	RequestID          string         `json:"requestID"`
	EventID            string         `json:"eventID"`
	ReadOnly           bool           `json:"readOnly"`
	EventType          string         `json:"eventType"`
	ManagementEvent    bool           `json:"managementEvent"`
	RecipientAccountID string         `json:"recipientAccountId"`
	EventCategory      string         `json:"eventCategory"`
}

func newCTRecord(account, region, source, name string, at time.Time, id string) ctRecord {
	return ctRecord{
		EventVersion: "1.09",
		UserIdentity: map[string]any{
			"type":        "AssumedRole",
			"principalId": "AROAEXAMPLE:e2e",
			"arn":         "arn:aws:sts::" + account + ":assumed-role/e2e/e2e",
			"accountId":   account,
		},
		EventTime:          at.UTC().Format(time.RFC3339),
		EventSource:        source,
		EventName:          name,
		AWSRegion:          region,
		SourceIPAddress:    "192.0.2.10",
		UserAgent:          "e2e-test",
		RequestParameters:  map[string]any{"name": "e2e"},
		ResponseElements:   nil,
		RequestID:          id + "-req",
		EventID:            id,
		ReadOnly:           strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Get"),
		EventType:          "AwsApiCall",
		ManagementEvent:    true,
		RecipientAccountID: account,
		EventCategory:      "Management",
	}
}

// writeCloudTrailFile writes {"Records": records} to path, gzip-compressed when
// path ends in .gz. It is written next to stagingDir first and renamed into
// place, so a poller never sees a partial file.
func writeCloudTrailFile(t testing.TB, stagingDir, path string, records []ctRecord) {
	t.Helper()
	doc, err := json.Marshal(map[string]any{"Records": records})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if strings.HasSuffix(path, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(doc); err != nil {
			t.Fatalf("gzip: %v", err)
		}
		if err := zw.Close(); err != nil {
			t.Fatalf("gzip: %v", err)
		}
		doc = buf.Bytes()
	}
	tmp, err := os.CreateTemp(stagingDir, "ct-*.tmp")
	if err != nil {
		t.Fatalf("create temp file: %v", err)
	}
	if _, err := tmp.Write(doc); err != nil {
		t.Fatalf("write %s: %v", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatalf("close %s: %v", tmp.Name(), err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("mkdir: %v", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatalf("rename into place: %v", err)
	}
}

// writeRel writes data to the slash-separated path rel below root, making
// the folders it needs.
func writeRel(t testing.TB, root, rel string, data []byte) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeOtherFormats writes, under root, Personalize events in the shapes other
// generators give CloudTrail records: JSON Lines of records (an export), a
// Firehose delivery of EventBridge events (JSON Lines, gzip, an S3 event among
// them) and `aws cloudtrail lookup-events` output. It returns the eventIDs of
// the Personalize events.
func writeOtherFormats(t testing.TB, root string) (ids []string) {
	t.Helper()
	at := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	const account, region = "123412341234", "eu-central-1"
	rec := func(source, name string) ctRecord {
		r := newCTRecord(account, region, source, name, at, newEventID(t))
		if source == personalizeSource {
			ids = append(ids, r.EventID)
		}
		return r
	}
	line := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	write := func(rel string, data []byte) { writeRel(t, root, rel, data) }
	write("exports/personalize.jsonl", []byte(line(rec(personalizeSource, "CreateSolution"))+
		line(rec("ec2.amazonaws.com", "DescribeInstances"))+line(rec(personalizeSource, "DeleteCampaign"))))

	event := func(r ctRecord) map[string]any {
		return map[string]any{"version": "0", "id": newEventID(t), "detail-type": "AWS API Call via CloudTrail",
			"source": "aws.personalize", "account": account, "time": r.EventTime, "region": region,
			"resources": []any{}, "detail": r}
	}
	s3Event := map[string]any{"version": "0", "id": newEventID(t), "detail-type": "Object Created",
		"source": "aws.s3", "detail": map[string]any{"bucket": map[string]any{"name": "b"}}}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, v := range []any{event(rec(personalizeSource, "CreateCampaign")), s3Event, event(rec(personalizeSource, "UpdateCampaign"))} {
		if _, err := zw.Write([]byte(line(v))); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	write("firehose/2025/06/07/08/personalize-events-1-2025-06-07-08-09-10.ndjson.gz", buf.Bytes())

	var lookup []map[string]any
	for _, r := range []ctRecord{rec(personalizeSource, "DescribeDatasetGroup"), rec(personalizeSource, "ListCampaigns")} {
		lookup = append(lookup, map[string]any{"EventId": r.EventID, "EventName": r.EventName, "ReadOnly": "true",
			"EventTime": at.Format(time.RFC3339), "EventSource": r.EventSource, "Resources": []any{},
			"CloudTrailEvent": strings.TrimSuffix(line(r), "\n")})
	}
	write("lookup/lookup-events.json", []byte(line(map[string]any{"Events": lookup, "NextToken": "e2e"})))

	// A CloudWatch Logs export of the trail's log group. The export task
	// names its objects 000000.gz, which the directory source reads with
	// directory.include; here the name keeps to the default suffixes.
	buf.Reset()
	zw = gzip.NewWriter(&buf)
	for i, r := range []ctRecord{rec(personalizeSource, "CreateRecommender"), rec("sts.amazonaws.com", "AssumeRole"), rec(personalizeSource, "StopRecommender")} {
		stamp := at.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z07:00")
		if _, err := zw.Write([]byte(stamp + " " + line(r))); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	write("cloudwatch-export/3f9a2b1c/"+account+"_CloudTrail_"+region+"/000000.jsonl.gz", buf.Bytes())
	return ids
}

// --- tests of the oracle itself (no binary needed) -------------------------

func TestOracle(t *testing.T) {
	dir := t.TempDir()
	staging := t.TempDir()
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	p := func(id, name string) ctRecord {
		return newCTRecord("111122223333", "eu-west-1", personalizeSource, name, at, id)
	}
	withErr := p("p-err", "CreateSolution")
	withErr.ErrorCode = "AccessDenied"

	// gzip file with a .json.gz name.
	writeCloudTrailFile(t, staging, filepath.Join(dir, "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/04/a.json.gz"), []ctRecord{
		p("p1", "CreateDataset"),
		newCTRecord("111122223333", "eu-west-1", "s3.amazonaws.com", "GetObject", at, "s1"),
		withErr,
	})
	// plain JSON, with a duplicate of p1.
	writeCloudTrailFile(t, staging, filepath.Join(dir, "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/04/b.json"), []ctRecord{
		p("p2", "DescribeSolution"),
		p("p1", "CreateDataset"),
	})
	// gzip content behind a plain .json name: detected by magic bytes.
	gzPlain := filepath.Join(dir, "c.json")
	writeCloudTrailFile(t, staging, gzPlain+".gz", []ctRecord{p("p3", "ListRecipes")})
	if err := os.Rename(gzPlain+".gz", gzPlain); err != nil {
		t.Fatal(err)
	}
	write := func(rel, content string) { writeRel(t, dir, rel, []byte(content)) }
	recordJSON := func(id string) string {
		b, err := json.Marshal(p(id, "GetRecommendations"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// Digest files: by path and by content.
	write("AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/03/04/d.json", `{"Records":[`+recordJSON("digest-by-path")+`]}`)
	write("other/digest.json", `{"digestStartTime":"x","logFiles":[]}`)
	// Bare array, concatenated documents, CloudWatch envelope, control message.
	write("more/array.json", `[`+recordJSON("p4")+`, 42]`+"\n"+`{"Records":[`+recordJSON("p5")+`]}`)
	cw, err := json.Marshal(map[string]any{
		"messageType": "DATA_MESSAGE",
		"logEvents":   []map[string]any{{"id": "1", "message": recordJSON("p6")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	write("more/cw.json", string(cw))
	write("more/control.json", `{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"1","message":"CWL CONTROL MESSAGE"}]}`)
	// Truncated: the first record still counts.
	write("more/truncated.json", `{"Records":[`+recordJSON("p7")+`,{"eventID":"p8","eventSource":"personalize.amazonaws.com"`)
	// Not selected: other name, malformed time, no eventID.
	write("notes.txt", `{"Records":[`+recordJSON("txt")+`]}`)
	bad := p("bad-time", "CreateCampaign")
	bad.EventTime = "yesterday"
	noID := p("", "CreateCampaign")
	writeCloudTrailFile(t, staging, filepath.Join(dir, "more/bad.json"), []ctRecord{bad, noID})

	rep, err := cloudTrailOracle(dir, personalizeSource)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Skipped {
		t.Logf("skipped: %s", s)
	}
	want := []string{"p-err", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}
	if got := rep.IDs(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("oracle IDs = %v, want %v", got, want)
	}
	if rep.Duplicates != 1 {
		t.Errorf("duplicates = %d, want 1", rep.Duplicates)
	}
	if rep.Digests != 2 {
		t.Errorf("digests = %d, want 2", rep.Digests)
	}
	if len(rep.Skipped) != 3 { // truncated file, bad time, no eventID
		t.Errorf("skipped = %d entries, want 3", len(rep.Skipped))
	}
	ev := rep.Events["p-err"]
	if ev.ErrorCode != "AccessDenied" || ev.EventName != "CreateSolution" || ev.AccountID != "111122223333" ||
		ev.Region != "eu-west-1" || !ev.HasTime || !ev.EventTime.Equal(at) {
		t.Errorf("p-err = %+v", ev)
	}
	if _, ok := rep.Events["p1"].Record["readOnly"].(bool); !ok {
		t.Errorf("record fields not kept: %v", rep.Events["p1"].Record)
	}

	other := t.TempDir()
	ids := writeOtherFormats(t, other)
	rep, err = cloudTrailOracle(other, personalizeSource)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	if got := rep.IDs(); strings.Join(got, ",") != strings.Join(ids, ",") || len(rep.Skipped) > 0 {
		t.Fatalf("other formats: oracle IDs = %v (skipped %v), want %v", got, rep.Skipped, ids)
	}
}

// newEventsFile writes, under root in the CloudTrail key layout, a file of a
// new account and region holding 3 Personalize events (the last one failed,
// with an errorCode) and 2 events of other services. It returns the file's key
// relative to root and the eventIDs of the Personalize events.
func newEventsFile(t testing.TB, staging, root, suffix string) (key string, newIDs []string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	const account, region = "210987654321", "ap-southeast-2"
	newIDs = []string{newEventID(t), newEventID(t), newEventID(t)}
	failed := newCTRecord(account, region, personalizeSource, "CreateCampaign", now, newIDs[2])
	failed.ErrorCode = "LimitExceededException"
	failed.ErrorMessage = "too many campaigns"
	key = "AWSLogs/" + account + "/CloudTrail/" + region + "/" + now.Format("2006/01/02") + "/" +
		account + "_CloudTrail_" + region + "_" + now.Format("20060102T1504Z") + "_" + suffix + ".json.gz"
	writeCloudTrailFile(t, staging, filepath.Join(root, filepath.FromSlash(key)), []ctRecord{
		newCTRecord(account, region, personalizeSource, "CreateDatasetGroup", now, newIDs[0]),
		newCTRecord(account, region, "s3.amazonaws.com", "GetObject", now, newEventID(t)),
		newCTRecord(account, region, personalizeSource, "DescribeSolution", now.Add(-time.Second), newIDs[1]),
		newCTRecord(account, region, "iam.amazonaws.com", "ListRoles", now, newEventID(t)),
		failed,
	})
	return key, newIDs
}

// freshEvents runs the oracle on dir again and returns the events it did not
// see in before, failing unless they are exactly newIDs.
func freshEvents(t testing.TB, dir string, before oracleReport, newIDs []string) map[string]expectedEvent {
	t.Helper()
	rep, err := cloudTrailOracle(dir, personalizeSource)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	fresh := map[string]expectedEvent{}
	for id, ev := range rep.Events {
		if _, old := before.Events[id]; !old {
			fresh[id] = ev
		}
	}
	if len(fresh) != len(newIDs) {
		t.Fatalf("oracle sees %d new events, want %d", len(fresh), len(newIDs))
	}
	for _, id := range newIDs {
		if _, ok := fresh[id]; !ok {
			t.Fatalf("oracle does not see new event %s", id)
		}
	}
	return fresh
}
