// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize

import "testing"

func TestParseARN(t *testing.T) {
	cases := []struct {
		in     string
		want   ARN
		ok     bool
		isPers bool
	}{
		{
			in:     "arn:aws:personalize:us-west-2:111122223333:campaign/retail-homepage",
			want:   ARN{"aws", "personalize", "us-west-2", "111122223333", "campaign", "retail-homepage"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws:personalize:us-west-2:111122223333:solution/retail-upersonalization/3ba6a5be",
			want:   ARN{"aws", "personalize", "us-west-2", "111122223333", "solution", "retail-upersonalization/3ba6a5be"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws:personalize:us-west-2:111122223333:dataset/MovieRatingDatasetGroup/INTERACTIONS",
			want:   ARN{"aws", "personalize", "us-west-2", "111122223333", "dataset", "MovieRatingDatasetGroup/INTERACTIONS"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws:personalize:::recipe/aws-user-personalization",
			want:   ARN{"aws", "personalize", "", "", "recipe", "aws-user-personalization"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws:personalize:::algorithm/aws-hrnn",
			want:   ARN{"aws", "personalize", "", "", "algorithm", "aws-hrnn"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws:personalize:::feature-transformation/JSON-percentile-filtering",
			want:   ARN{"aws", "personalize", "", "", "feature-transformation", "JSON-percentile-filtering"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws-cn:personalize:cn-north-1:111122223333:dataset-group/retail",
			want:   ARN{"aws-cn", "personalize", "cn-north-1", "111122223333", "dataset-group", "retail"},
			ok:     true,
			isPers: true,
		},
		{
			in:     "arn:aws-us-gov:personalize:us-gov-west-1:111122223333:event-tracker/d2e0162e",
			want:   ARN{"aws-us-gov", "personalize", "us-gov-west-1", "111122223333", "event-tracker", "d2e0162e"},
			ok:     true,
			isPers: true,
		},
		{
			// IAM ARNs are global with an account.
			in:   "arn:aws:iam::111122223333:role/service-role/PersonalizeS3Access",
			want: ARN{"aws", "iam", "", "111122223333", "role", "service-role/PersonalizeS3Access"},
			ok:   true,
		},
		{
			in:   "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			want: ARN{"aws", "kms", "us-west-2", "111122223333", "key", "1234abcd-12ab-34cd-56ef-1234567890ab"},
			ok:   true,
		},
		{
			// At most six parts: later colons belong to the resource.
			in:   "arn:aws:lambda:us-west-2:111122223333:function:my-fn:PROD",
			want: ARN{"aws", "lambda", "us-west-2", "111122223333", "function:my-fn:PROD", ""},
			ok:   true,
		},
		{
			// A resource without '/' is all type.
			in:   "arn:aws:s3:::my-bucket",
			want: ARN{"aws", "s3", "", "", "my-bucket", ""},
			ok:   true,
		},
		{
			in:     "arn:aws:personalize:us-west-2:111122223333:dataset-group/",
			want:   ARN{"aws", "personalize", "us-west-2", "111122223333", "dataset-group", ""},
			ok:     true,
			isPers: true,
		},
		// Malformed.
		{in: ""},
		{in: "HIDDEN_DUE_TO_SECURITY_REASONS"},
		{in: "campaign/retail-homepage"},
		{in: "arn"},
		{in: "arn:aws:personalize"},
		{in: "arn:aws:personalize:us-west-2:111122223333"},
		{in: "arn:aws:personalize:us-west-2:111122223333:"},
		{in: "arn:aws:personalize:::"},
		{in: "arn::personalize:us-west-2:111122223333:campaign/x"},
		{in: "arn:aws::us-west-2:111122223333:campaign/x"},
		{in: "ARN:aws:personalize:us-west-2:111122223333:campaign/x"},
		{in: " arn:aws:personalize:us-west-2:111122223333:campaign/x"},
		{in: "urn:aws:personalize:us-west-2:111122223333:campaign/x"},
	}
	for _, c := range cases {
		got, ok := ParseARN(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseARN(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
		if got.IsPersonalize() != c.isPers {
			t.Errorf("ParseARN(%q).IsPersonalize() = %v, want %v", c.in, got.IsPersonalize(), c.isPers)
		}
	}
}

func TestParseARNAllocs(t *testing.T) {
	s := "arn:aws:personalize:us-west-2:111122223333:solution/retail/3ba6a5be"
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseARN(s) }); n != 0 {
		t.Errorf("ParseARN allocates %v times", n)
	}
}
