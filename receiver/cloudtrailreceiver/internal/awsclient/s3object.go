// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

// GetObjectAPI is the part of the S3 client that reads objects.
type GetObjectAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Object is the content of one S3 object, as a source hands it over.
type S3Object struct {
	Client      GetObjectAPI
	Bucket, Key string
	// ETag is the object's version when it was listed: objects are
	// replaced, never appended to, so it stands for any fingerprint.
	ETag string
	// MissingRetry makes a missing object (404) one to try again, for
	// objects a notification named that may not be replicated yet.
	MissingRetry bool
}

var _ source.Content = (*S3Object)(nil)

// URL is the object's s3:// URL, which names it in logs.
func (o *S3Object) URL() string { return "s3://" + o.Bucket + "/" + o.Key }

// Open streams the object: the body goes straight to the decoder, which
// detects gzip by its magic bytes whatever Content-Encoding says.
func (o *S3Object) Open(ctx context.Context) (io.ReadCloser, error) {
	out, err := o.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		return nil, ReadError(o.Bucket, o.Key, err, o.MissingRetry)
	}
	return &s3Body{ReadCloser: out.Body, url: o.URL()}, nil
}

// TailAt is the ETag: an object replaced under the same key has a new one.
func (o *S3Object) TailAt(context.Context, int64) (string, error) {
	return "etag:" + strings.Trim(o.ETag, `"`), nil
}

// Changed: objects do not change in place (a replaced one has a new ETag
// and is read as a new object).
func (*S3Object) Changed(context.Context) bool { return false }

// s3Body marks the errors of reading an object's body (a connection reset,
// a body cut short) as retryable, so that the core resumes the object from
// its checkpoint later rather than taking it for a broken file.
type s3Body struct {
	io.ReadCloser
	url string
}

func (b *s3Body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &source.Error{Reason: source.ReasonRead, Retry: true, Err: fmt.Errorf("reading %s: %w", b.url, err)}
	}
	return n, err
}

// ReadError classifies an S3 request error for the core: a missing object
// (404) is final unless missingRetry, access denied (403) and other
// failures (network, throttling, 5xx) are retried.
func ReadError(bucket, key string, err error, missingRetry bool) error {
	err = fmt.Errorf("reading bucket %q key %q: %w", bucket, key, err)
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return &source.Error{Reason: source.ReasonMissing, Retry: missingRetry, Err: err}
		case http.StatusForbidden:
			return &source.Error{Reason: source.ReasonAccessDenied, Retry: true, Err: err}
		}
	}
	return &source.Error{Reason: source.ReasonRead, Retry: true, Err: err}
}
