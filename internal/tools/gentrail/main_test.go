// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func genTree(t *testing.T, seed uint64) (string, *summary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := generate(dir, seed)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return raw
}

type rec = map[string]any

// logRecords returns the records of every CloudTrail/ and CloudTrail-Insight/
// file, keyed by relative path.
func logRecords(t *testing.T, dir string) (map[string][]rec, map[string][]byte) {
	t.Helper()
	files, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]rec{}
	raws := map[string][]byte{}
	for _, rel := range files {
		if !strings.HasSuffix(rel, ".json.gz") {
			continue
		}
		raw := gunzip(t, filepath.Join(dir, rel))
		raws[rel] = raw
		if strings.Contains(rel, "/CloudTrail-Digest/") {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var env struct{ Records []rec }
		if err := dec.Decode(&env); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		out[rel] = env.Records
	}
	return out, raws
}

func TestDeterministic(t *testing.T) {
	d1, _ := genTree(t, 1)
	d2, _ := genTree(t, 1)
	f1, err := listFiles(d1)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := listFiles(d2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f1, "\n") != strings.Join(f2, "\n") {
		t.Fatalf("file lists differ:\n%v\n%v", f1, f2)
	}
	for _, rel := range f1 {
		a, _ := os.ReadFile(filepath.Join(d1, rel))
		b, _ := os.ReadFile(filepath.Join(d2, rel))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
	}
	d3, _ := genTree(t, 2)
	f3, _ := listFiles(d3)
	if strings.Join(f1, "\n") == strings.Join(f3, "\n") {
		t.Errorf("seed 2 produced the same file names as seed 1")
	}
}

func TestOperationList(t *testing.T) {
	if len(operations) != 79 {
		t.Fatalf("%d operations, want 79", len(operations))
	}
	seen := map[string]bool{}
	planes := map[byte]int{}
	ro := 0
	for _, op := range operations {
		if seen[op.Name] {
			t.Errorf("duplicate operation %s", op.Name)
		}
		seen[op.Name] = true
		planes[op.API]++
		if op.ReadOnly {
			ro++
		}
	}
	if planes['C'] != 71 || planes['E'] != 5 || planes['R'] != 3 {
		t.Errorf("planes %v, want C 71, E 5, R 3", planes)
	}
	if ro != 40 {
		t.Errorf("%d read-only operations, want 40", ro)
	}
}

func TestEveryOperationSucceedsOnce(t *testing.T) {
	dir, _ := genTree(t, 1)
	recs, _ := logRecords(t, dir)
	ok := map[string]bool{}
	for _, rs := range recs {
		for _, r := range rs {
			if r["eventSource"] != personalizeSource {
				continue
			}
			name, _ := r["eventName"].(string)
			if _, known := opByName(name); !known {
				t.Errorf("unknown Personalize eventName %q", name)
			}
			if _, failed := r["errorCode"]; !failed {
				ok[name] = true
			}
		}
	}
	for _, op := range operations {
		if !ok[op.Name] {
			t.Errorf("no successful %s record", op.Name)
		}
	}
}

var (
	logKey    = regexp.MustCompile(`^AWSLogs/(o-[a-z0-9]{10,32}/)?(\d{12})/(CloudTrail|CloudTrail-Insight)/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_(CloudTrail|CloudTrail-Insight)_([a-z0-9-]+)_(\d{8})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)
	digestKey = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_[A-Za-z0-9._-]+_[a-z0-9-]+_\d{8}T\d{6}Z\.json\.gz$`)
)

func TestTreeInvariants(t *testing.T) {
	dir, sum := genTree(t, 1)
	files, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rel := range files {
		st, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		total += int(st.Size())
	}
	if total >= 200*1024 {
		t.Errorf("tree is %d bytes, want < 200 KB", total)
	}

	recs, raws := logRecords(t, dir)
	ids := map[string][]string{}
	var all, pers, insight, logFiles int
	for rel, rs := range recs {
		m := logKey.FindStringSubmatch(rel)
		if m == nil {
			t.Errorf("%s: key does not follow the CloudTrail layout", rel)
			continue
		}
		acct, folder, region := m[2], m[3], m[4]
		if m[8] != acct || m[9] != folder || m[10] != region || m[11] != m[5]+m[6]+m[7] {
			t.Errorf("%s: file name does not match its folders", rel)
		}
		if folder == "CloudTrail" {
			logFiles++
		}
		for i, r := range rs {
			if r["awsRegion"] != region || r["recipientAccountId"] != acct {
				t.Errorf("%s #%d: region %v / account %v do not match the folder", rel, i, r["awsRegion"], r["recipientAccountId"])
			}
			id, _ := r["eventID"].(string)
			ids[id] = append(ids[id], rel)
			if r["eventType"] == "AwsCloudTrailInsight" {
				insight++
				if _, has := r["eventSource"]; has {
					t.Errorf("%s: Insight record with a top-level eventSource", rel)
				}
				continue
			}
			all++
			if r["eventSource"] == personalizeSource {
				pers++
			}
		}
	}
	if logFiles < 8 {
		t.Errorf("%d log files, want several", logFiles)
	}
	if insight != 2 {
		t.Errorf("%d Insight records, want a Start/End pair", insight)
	}
	if all < 300 || all > 600 {
		t.Errorf("%d records, want 300..600", all)
	}
	if share := float64(pers) / float64(all); share < 0.3 || share > 0.5 {
		t.Errorf("Personalize share %.2f, want about 40%%", share)
	}
	if pers != sum.personalize || all != sum.records {
		t.Errorf("summary says %d/%d, files hold %d/%d", sum.personalize, sum.records, pers, all)
	}
	var dups []string
	for id, where := range ids {
		if len(where) > 1 {
			dups = append(dups, id)
			if len(where) != 2 || where[0] == where[1] {
				t.Errorf("eventID %s appears in %v, want two different files", id, where)
			}
		}
	}
	if len(dups) != 1 || dups[0] != sum.dupEventID {
		t.Errorf("duplicated eventIDs %v, want exactly %s", dups, sum.dupEventID)
	}

	// The digest lists existing log files with the SHA-256 of their
	// uncompressed bytes.
	var digests int
	for rel, raw := range raws {
		if !strings.Contains(rel, "/CloudTrail-Digest/") {
			continue
		}
		digests++
		if digestKey.FindStringSubmatch(rel) == nil {
			t.Errorf("%s: digest key does not follow the layout", rel)
		}
		var d struct {
			DigestS3Object string `json:"digestS3Object"`
			LogFiles       []struct {
				S3Object  string `json:"s3Object"`
				HashValue string `json:"hashValue"`
			} `json:"logFiles"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.DigestS3Object != rel {
			t.Errorf("digestS3Object %s, want %s", d.DigestS3Object, rel)
		}
		if len(d.LogFiles) == 0 {
			t.Errorf("%s lists no log files", rel)
		}
		for _, lf := range d.LogFiles {
			body, ok := raws[lf.S3Object]
			if !ok {
				t.Errorf("digest lists missing %s", lf.S3Object)
				continue
			}
			s := sha256.Sum256(body)
			if hex.EncodeToString(s[:]) != lf.HashValue {
				t.Errorf("hash of %s does not match the digest", lf.S3Object)
			}
		}
	}
	if digests != 1 {
		t.Errorf("%d digest files, want 1", digests)
	}

	var joined []byte
	for _, raw := range raws {
		joined = append(joined, raw...)
	}
	for _, want := range []string{
		`"numResults":1234567890123456789`,
		`"eventType":"AwsVpceEvent"`,
		`"errorCode":"VpceAccessDenied"`,
		`"sessionCredentialFromConsole":"true"`,
		`"userIdentity":{"accountId":`,
		`"invokedBy":"personalize.amazonaws.com"},"eventTime":`,
		`"eventSource":"sts.amazonaws.com","eventName":"AssumeRole"`,
	} {
		if !bytes.Contains(joined, []byte(want)) {
			t.Errorf("no record contains %s", want)
		}
	}
	for _, typ := range []string{"Root", "IAMUser", "AssumedRole", "FederatedUser", "SAMLUser", "WebIdentityUser",
		"IdentityCenterUser", "AWSService", "AWSAccount", "Unknown"} {
		if !bytes.Contains(joined, []byte(`"userIdentity":{"type":"`+typ+`"`)) {
			t.Errorf("no record with userIdentity type %s", typ)
		}
	}
	for _, v := range []string{"1.05", "1.06", "1.07", "1.08", "1.09", "1.10", "1.11"} {
		if !bytes.Contains(joined, []byte(`"eventVersion":"`+v+`"`)) {
			t.Errorf("no record with eventVersion %s", v)
		}
	}
}

// TestExamplesUpToDate checks that the committed examples/ tree is what the
// generator writes with seed 1. It compares decompressed content, because
// gzip bytes may change with the Go release.
func TestExamplesUpToDate(t *testing.T) {
	committed := filepath.Join("..", "..", "..", "examples")
	if _, err := os.Stat(filepath.Join(committed, "AWSLogs")); err != nil {
		t.Skip("no examples/ tree")
	}
	fresh, _ := genTree(t, 1)
	want, err := listFiles(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := listFiles(committed)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("examples/ holds\n%s\nthe generator writes\n%s\nrun: go run ./internal/tools/gentrail",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, rel := range want {
		var a, b []byte
		if strings.HasSuffix(rel, ".gz") {
			a, b = gunzip(t, filepath.Join(committed, rel)), gunzip(t, filepath.Join(fresh, rel))
		} else {
			a, _ = os.ReadFile(filepath.Join(committed, rel))
			b, _ = os.ReadFile(filepath.Join(fresh, rel))
		}
		if !bytes.Equal(a, b) {
			t.Errorf("examples/%s is stale; run: go run ./internal/tools/gentrail", rel)
		}
	}
}
