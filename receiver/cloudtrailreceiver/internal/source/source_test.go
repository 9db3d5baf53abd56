// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package source

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second: "10s", time.Minute: "1m", 90 * time.Second: "1m30s", time.Hour: "1h", 20 * time.Millisecond: "20ms",
	} {
		assert.Equal(t, want, ShortDuration(d))
	}
}
