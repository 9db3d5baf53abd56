// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package s3keys

import (
	"errors"
	"sort"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		key  string
		want Key
	}{
		{
			name: "single account, no prefix (AWS documentation example)",
			key:  "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			want: Key{Account: "111122223333", Folder: FolderLogs, Region: "us-east-2", Day: day(2015, 8, 1),
				Time: time.Date(2015, 8, 1, 2, 10, 0, 0, time.UTC), Name: "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"},
		},
		{
			name: "custom prefix with slashes",
			key:  "audit/prod/trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/111122223333_CloudTrail_eu-west-1_20240501T2355Z_abcdefghijklmnop.json.gz",
			want: Key{Prefix: "audit/prod/trails", Account: "111122223333", Folder: FolderLogs, Region: "eu-west-1", Day: day(2024, 5, 1),
				Time: time.Date(2024, 5, 1, 23, 55, 0, 0, time.UTC), Name: "111122223333_CloudTrail_eu-west-1_20240501T2355Z_abcdefghijklmnop.json.gz"},
		},
		{
			name: "organization trail",
			key:  "AWSLogs/o-aa111bb222/444455556666/CloudTrail/ap-southeast-2/2024/12/31/444455556666_CloudTrail_ap-southeast-2_20241231T0000Z_ABCDEFGHIJKLMNOP.json.gz",
			want: Key{OrgID: "o-aa111bb222", Account: "444455556666", Folder: FolderLogs, Region: "ap-southeast-2", Day: day(2024, 12, 31),
				Time: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), Name: "444455556666_CloudTrail_ap-southeast-2_20241231T0000Z_ABCDEFGHIJKLMNOP.json.gz"},
		},
		{
			name: "organization Insight file under a prefix equal to the org id (reference section 2)",
			key:  "o-fxozgwu6rc/AWSLogs/o-fxozgwu6rc/123456789015/CloudTrail-Insight/ca-central-1/2020/09/23/123456789015_CloudTrail-Insight_ca-central-1_20200923T0516Z_KL5e9VCV2SS7IqzB.json.gz",
			want: Key{Prefix: "o-fxozgwu6rc", OrgID: "o-fxozgwu6rc", Account: "123456789015", Folder: FolderInsight, Region: "ca-central-1", Day: day(2020, 9, 23),
				Time: time.Date(2020, 9, 23, 5, 16, 0, 0, time.UTC), Name: "123456789015_CloudTrail-Insight_ca-central-1_20200923T0516Z_KL5e9VCV2SS7IqzB.json.gz"},
		},
		{
			name: "digest with a trail name holding underscores",
			key:  "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_my_trail_us-east-2_20150817T150131Z.json.gz",
			want: Key{Account: "111122223333", Folder: FolderDigest, Region: "us-east-2", Day: day(2015, 8, 17),
				Time: time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC), Name: "111122223333_CloudTrail-Digest_us-east-2_my_trail_us-east-2_20150817T150131Z.json.gz"},
		},
		{
			name: "prefix that itself holds an AWSLogs segment",
			key:  "AWSLogs/backup/AWSLogs/111122223333/CloudTrail/us-gov-west-1/2024/01/02/111122223333_CloudTrail_us-gov-west-1_20240102T0101Z_abcdefghijklmnop.json.gz",
			want: Key{Prefix: "AWSLogs/backup", Account: "111122223333", Folder: FolderLogs, Region: "us-gov-west-1", Day: day(2024, 1, 2),
				Time: time.Date(2024, 1, 2, 1, 1, 0, 0, time.UTC), Name: "111122223333_CloudTrail_us-gov-west-1_20240102T0101Z_abcdefghijklmnop.json.gz"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.key)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Parse:\n got %+v\nwant %+v", got, tt.want)
			}
			if rp := got.RegionPrefix(); len(rp) >= len(tt.key) || tt.key[:len(rp)] != rp {
				t.Fatalf("RegionPrefix %q is not a prefix of the key", rp)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	const good = "111122223333_CloudTrail_us-east-1_20240501T1200Z_abcdefghijklmnop.json.gz"
	for name, key := range map[string]string{
		"empty":                      "",
		"no AWSLogs":                 "logs/111122223333/CloudTrail/us-east-1/2024/05/01/" + good,
		"VPC flow logs":              "AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-1234_20240501T1200Z_abc.log.gz",
		"ELB logs":                   "AWSLogs/111122223333/elasticloadbalancing/us-east-1/2024/05/01/" + good,
		"account of 11 digits":       "AWSLogs/11112222333/CloudTrail/us-east-1/2024/05/01/" + good,
		"account with letters":       "AWSLogs/11112222333a/CloudTrail/us-east-1/2024/05/01/" + good,
		"org id too short":           "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2024/05/01/" + good,
		"org id upper case":          "AWSLogs/o-AA111BB222/111122223333/CloudTrail/us-east-1/2024/05/01/" + good,
		"org id too long":            "AWSLogs/o-" + "a123456789012345678901234567890123" + "/111122223333/CloudTrail/us-east-1/2024/05/01/" + good,
		"bad region":                 "AWSLogs/111122223333/CloudTrail/useast1/2024/05/01/111122223333_CloudTrail_useast1_20240501T1200Z_abcdefghijklmnop.json.gz",
		"missing day folder":         "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/" + good,
		"extra folder":               "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/extra/" + good,
		"bad month":                  "AWSLogs/111122223333/CloudTrail/us-east-1/2024/13/01/" + good,
		"one-digit day":              "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/1/" + good,
		"name of another account":    "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/444455556666_CloudTrail_us-east-1_20240501T1200Z_abcdefghijklmnop.json.gz",
		"name of another region":     "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-west-2_20240501T1200Z_abcdefghijklmnop.json.gz",
		"name of another day":        "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240502T1200Z_abcdefghijklmnop.json.gz",
		"not gzip suffix":            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_abcdefghijklmnop.json",
		"no unique suffix":           "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z.json.gz",
		"bad time":                   "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T12Z_abcdefghijklmnop.json.gz",
		"folder marker object":       "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/",
		"Insight name in log folder": "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail-Insight_us-east-1_20240501T1200Z_abcdefghijklmnop.json.gz",
	} {
		t.Run(name, func(t *testing.T) {
			k, err := Parse(key)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", key, k)
			}
			if !errors.Is(err, ErrNotCloudTrail) {
				t.Fatalf("error %v is not ErrNotCloudTrail", err)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	for s, want := range map[string]bool{
		"o-aa111bb222": true, "o-0123456789abcdefghijklmnopqrstuv": true,
		"o-aa111bb22": false, "o-0123456789abcdefghijklmnopqrstuvw": false, "o-AA111BB222": false,
		"x-aa111bb222": false, "o-aa111bb2-2": false,
	} {
		if got := IsOrgID(s); got != want {
			t.Errorf("IsOrgID(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"111122223333": true, "11112222333": false, "1111222233334": false, "11112222333x": false} {
		if got := IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"us-east-1": true, "us-gov-west-1": true, "eu-isoe-west-1": true, "us-east": false, "US-east-1": false, "us--1": false, "us-east-x": false} {
		if got := IsRegion(s); got != want {
			t.Errorf("IsRegion(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPrefixes(t *testing.T) {
	if got, want := LogsPrefix(""), "AWSLogs/"; got != want {
		t.Errorf("LogsPrefix(\"\") = %q, want %q", got, want)
	}
	if got, want := LogsPrefix("a/b/"), "a/b/AWSLogs/"; got != want {
		t.Errorf("LogsPrefix(\"a/b/\") = %q, want %q", got, want)
	}
	if got, want := RegionPrefix("a/b", "o-aa111bb222", "111122223333", FolderLogs, "us-east-1"), "a/b/AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/"; got != want {
		t.Errorf("RegionPrefix = %q, want %q", got, want)
	}
}

// TestDayStartAfter checks that listing after DayStartAfter skips exactly
// the keys of earlier days.
func TestDayStartAfter(t *testing.T) {
	rp := RegionPrefix("", "", "111122223333", FolderLogs, "us-east-1")
	keys := []string{
		rp + "2024/04/30/111122223333_CloudTrail_us-east-1_20240430T2359Z_abcdefghijklmnop.json.gz",
		rp + "2024/05/01/111122223333_CloudTrail_us-east-1_20240501T0000Z_abcdefghijklmnop.json.gz",
		rp + "2024/05/01/111122223333_CloudTrail_us-east-1_20240501T2359Z_abcdefghijklmnop.json.gz",
		rp + "2024/05/02/111122223333_CloudTrail_us-east-1_20240502T0000Z_abcdefghijklmnop.json.gz",
		rp + "2025/01/01/111122223333_CloudTrail_us-east-1_20250101T0000Z_abcdefghijklmnop.json.gz",
	}
	sort.Strings(keys)
	after := DayStartAfter(rp, time.Date(2024, 5, 1, 13, 0, 0, 0, time.FixedZone("x", 3600)))
	var listed []string
	for _, k := range keys {
		if k > after {
			listed = append(listed, k)
		}
	}
	if len(listed) != 4 || listed[0] != keys[1] {
		t.Fatalf("listing after %q gives %q", after, listed)
	}
}

func TestIsLogFile(t *testing.T) {
	for key, want := range map[string]bool{
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_abcdefghijklmnop.json.gz": true,
		// The AWS documentation's typo: a us-west-2 name in a us-east-2 folder.
		"AWSLogs/123456789012/CloudTrail/us-east-2/2013/12/13/123456789012_CloudTrail_us-west-2_20131213T1920Z_LnPgDQnpkSKEsppV.json.gz":                 true,
		"audit logs/AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_x.json.gz":        true,
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T150131Z.json.gz":      false,
		"AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/111122223333_CloudTrail-Insight_us-east-1_20240501T1200Z_abcdefghijklmnop.json.gz": false,
		"AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-1_20240501T1000Z_abc.log.gz":                        false,
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/notes.txt":                                                                                 false,
		"Happy Face.jpg": false,
	} {
		if got := IsLogFile(key); got != want {
			t.Errorf("IsLogFile(%q) = %v, want %v", key, got, want)
		}
	}
}
