// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package s3keys parses the S3 object keys CloudTrail writes log files under
// and builds the listing prefixes the S3 source walks.
//
// The layout is
//
//	[prefix/]AWSLogs/[<o-orgid>/]<account>/<folder>/<region>/YYYY/MM/DD/<account>_<folder>_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//
// where folder is CloudTrail, CloudTrail-Insight or CloudTrail-Digest, and
// the custom prefix may itself contain '/'. Keys are parsed strictly: a key
// that does not follow the layout is not a CloudTrail log file (other AWS
// services share trail buckets), and the source must not feed it to the
// decoder.
package s3keys // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Folder is the service folder of a key.
type Folder string

// The service folders CloudTrail writes.
const (
	FolderLogs    Folder = "CloudTrail"
	FolderInsight Folder = "CloudTrail-Insight"
	FolderDigest  Folder = "CloudTrail-Digest"
)

// AWSLogs is the path segment every CloudTrail key is anchored on.
const AWSLogs = "AWSLogs"

// Key is a parsed CloudTrail object key.
type Key struct {
	// Prefix is the trail's custom S3 key prefix, without its trailing '/'
	// ("" when the trail has none).
	Prefix string
	// OrgID is the organization id of an organization trail ("" otherwise).
	OrgID   string
	Account string
	Folder  Folder
	Region  string
	// Day is the delivery day of the date folders (UTC midnight).
	Day time.Time
	// Time is the delivery time in the file name (minute precision for log
	// and Insight files, second precision for digests).
	Time time.Time
	// Name is the last path segment.
	Name string
}

// RegionPrefix is the listing prefix of the key's region folder, ending in
// '/'. Keys below it sort in delivery order.
func (k Key) RegionPrefix() string {
	return RegionPrefix(k.Prefix, k.OrgID, k.Account, k.Folder, k.Region)
}

// ErrNotCloudTrail is returned for keys that do not follow the layout.
var ErrNotCloudTrail = errors.New("not a CloudTrail object key")

// Parse parses a CloudTrail object key. It anchors on the first AWSLogs
// segment after which the rest of the key follows the layout, so a custom
// prefix that itself holds an AWSLogs segment still parses.
func Parse(key string) (Key, error) {
	segs := strings.Split(key, "/")
	var firstErr error
	for i, s := range segs {
		if s != AWSLogs {
			continue
		}
		k, err := parseAfter(segs[i+1:])
		if err == nil {
			k.Prefix = strings.Join(segs[:i], "/")
			return k, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no AWSLogs segment")
	}
	return Key{}, fmt.Errorf("%w: %q: %w", ErrNotCloudTrail, key, firstErr)
}

// parseAfter parses the segments that follow AWSLogs.
func parseAfter(segs []string) (Key, error) {
	var k Key
	if len(segs) > 0 && IsOrgID(segs[0]) {
		k.OrgID = segs[0]
		segs = segs[1:]
	}
	// account, folder, region, YYYY, MM, DD, name
	if len(segs) != 7 {
		return Key{}, fmt.Errorf("%d path segments after the organization id, want 7", len(segs))
	}
	k.Account, k.Folder, k.Region, k.Name = segs[0], Folder(segs[1]), segs[2], segs[6]
	if !IsAccountID(k.Account) {
		return Key{}, fmt.Errorf("account %q is not 12 digits", k.Account)
	}
	switch k.Folder {
	case FolderLogs, FolderInsight, FolderDigest:
	default:
		return Key{}, fmt.Errorf("folder %q is not a CloudTrail folder", k.Folder)
	}
	if !IsRegion(k.Region) {
		return Key{}, fmt.Errorf("region %q is not a region name", k.Region)
	}
	day, err := time.Parse("2006/01/02", strings.Join(segs[3:6], "/"))
	if err != nil || len(segs[3]) != 4 || len(segs[4]) != 2 || len(segs[5]) != 2 {
		return Key{}, fmt.Errorf("date folders %q are not YYYY/MM/DD", strings.Join(segs[3:6], "/"))
	}
	k.Day = day
	if k.Time, err = parseName(k); err != nil {
		return Key{}, err
	}
	return k, nil
}

// parseName checks the file name against the folders and returns its time.
func parseName(k Key) (time.Time, error) {
	const suffix = ".json.gz"
	if !strings.HasSuffix(k.Name, suffix) {
		return time.Time{}, fmt.Errorf("name %q does not end in %s", k.Name, suffix)
	}
	lead := k.Account + "_" + string(k.Folder) + "_" + k.Region + "_"
	rest, ok := strings.CutPrefix(strings.TrimSuffix(k.Name, suffix), lead)
	if !ok {
		return time.Time{}, fmt.Errorf("name %q does not start with %q", k.Name, lead)
	}
	var stamp, layout string
	if k.Folder == FolderDigest {
		// <trail-name>_<home-region>_<YYYYMMDDTHHmmssZ>; the trail name may
		// hold '_', so the stamp is the last field.
		i := strings.LastIndexByte(rest, '_')
		if i < 0 {
			return time.Time{}, fmt.Errorf("digest name %q has no time", k.Name)
		}
		stamp, layout = rest[i+1:], "20060102T150405Z"
	} else {
		// <YYYYMMDDTHHmmZ>_<unique>
		var unique string
		stamp, unique, ok = strings.Cut(rest, "_")
		if !ok || unique == "" || strings.ContainsAny(unique, "_") {
			return time.Time{}, fmt.Errorf("name %q is not <time>_<unique>", k.Name)
		}
		layout = "20060102T1504Z"
	}
	t, err := time.Parse(layout, stamp)
	if err != nil || len(stamp) != len(layout) {
		return time.Time{}, fmt.Errorf("time %q in name %q is not %s", stamp, k.Name, layout)
	}
	if !t.Truncate(24 * time.Hour).Equal(k.Day) {
		return time.Time{}, fmt.Errorf("time %q in name %q is not in the date folder %s", stamp, k.Name, k.Day.Format("2006/01/02"))
	}
	return t, nil
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsOrgID reports whether s is an AWS Organizations id: "o-" and 10 to 32
// lowercase letters or digits.
func IsOrgID(s string) bool {
	rest, ok := strings.CutPrefix(s, "o-")
	if !ok || len(rest) < 10 || len(rest) > 32 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// IsRegion reports whether s looks like an AWS region name (us-east-1,
// ap-southeast-2, us-gov-west-1, cn-north-1, eu-isoe-west-1): lowercase
// letter groups separated by '-', ending in a number.
func IsRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			last := i == len(parts)-1
			if last && (c < '0' || c > '9') || !last && (c < 'a' || c > 'z') {
				return false
			}
		}
	}
	return true
}

// LogsPrefix is the listing prefix of the AWSLogs folder under a custom
// prefix (given with or without its trailing '/').
func LogsPrefix(prefix string) string {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return AWSLogs + "/"
	}
	return prefix + "/" + AWSLogs + "/"
}

// AccountPrefix is the listing prefix of an account folder (orgID may be "").
func AccountPrefix(prefix, orgID, account string) string {
	p := LogsPrefix(prefix)
	if orgID != "" {
		p += orgID + "/"
	}
	return p + account + "/"
}

// RegionPrefix is the listing prefix of a region folder.
func RegionPrefix(prefix, orgID, account string, folder Folder, region string) string {
	return AccountPrefix(prefix, orgID, account) + string(folder) + "/" + region + "/"
}

// DayStartAfter is the StartAfter value that makes a listing of the region
// folder regionPrefix begin with the day folder of t (UTC): it sorts just
// before every key of that day and after every key of earlier days.
func DayStartAfter(regionPrefix string, t time.Time) string {
	return regionPrefix + t.UTC().Format("2006/01/02")
}

// IsLogFile reports whether key is a CloudTrail log file (not a digest or an
// Insight file) going by its folders: an AWSLogs segment followed, after an
// optional organization id, by an account id and the CloudTrail folder, and
// a name ending in .json.gz. Unlike Parse it does not cross-check the name
// against the folders: keys named in notifications are taken as CloudTrail
// wrote them (an AWS documentation example even has a name of another
// region than its folder).
func IsLogFile(key string) bool {
	if k, err := Parse(key); err == nil {
		return k.Folder == FolderLogs
	}
	if !strings.HasSuffix(key, ".json.gz") {
		return false
	}
	segs := strings.Split(key, "/")
	for i, s := range segs {
		if s != AWSLogs {
			continue
		}
		rest := segs[i+1:]
		if len(rest) > 0 && IsOrgID(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) == 7 && IsAccountID(rest[0]) && Folder(rest[1]) == FolderLogs {
			return true
		}
	}
	return false
}
