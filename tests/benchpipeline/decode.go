// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// decodeResult is what decode mode prints.
type decodeResult struct {
	Records, Selected, Bytes int64
	CPUNS, WallNS            int64
	// PeakRSS is this process's VmHWM. (The rusage maxrss of a child
	// counts the parent's resident set at the fork before its exec.)
	PeakRSS int64
}

// decodeMain is (b), in its own process: every listed file through
// cloudtrail.FileReader with the default selection and the given body mode,
// in batches of 1000 as the receiver reads. Reading a file into memory (and,
// with -plain, decompressing it beforehand) is left out of the CPU and wall
// time: what is measured is the decoder's work on bytes in memory.
func decodeMain(args []string) {
	fs := flag.NewFlagSet("decode", flag.ExitOnError)
	list := fs.String("list", "", "file listing the trail's files, one a line")
	bodyName := fs.String("body", "map", "body mode")
	plain := fs.Bool("plain", false, "decompress each file first and decode the plain JSON")
	_ = fs.Parse(args)
	body, err := cloudtrail.ParseBodyMode(*bodyName)
	if err != nil {
		fatalf("%v", err)
	}
	data, err := os.ReadFile(*list)
	if err != nil {
		fatalf("%v", err)
	}
	sel := cloudtrail.DefaultSelector()
	batch := cloudtrail.NewBatch(cloudtrail.MapOptions{Body: body})
	var res decodeResult
	var file, raw bytes.Buffer
	var zr *gzip.Reader
	for _, p := range strings.Split(string(data), "\n") {
		if p == "" {
			continue
		}
		file.Reset()
		f, err := os.Open(p)
		if err != nil {
			fatalf("%v", err)
		}
		_, err = file.ReadFrom(f)
		f.Close()
		if err != nil {
			fatalf("%s: %v", p, err)
		}
		input := file.Bytes()
		if *plain {
			if zr == nil {
				zr, err = gzip.NewReader(bytes.NewReader(input))
			} else {
				err = zr.Reset(bytes.NewReader(input))
			}
			raw.Reset()
			if err == nil {
				_, err = raw.ReadFrom(zr)
			}
			if err != nil {
				fatalf("%s: %v", p, err)
			}
			input = raw.Bytes()
		}
		c0, w0 := cpuNow(), time.Now()
		fr, err := cloudtrail.NewFileReader(bytes.NewReader(input), sel, cloudtrail.DecoderOptions{})
		if err != nil {
			fatalf("%s: %v", p, err)
		}
		for {
			err := fr.ReadBatch(batch, 1000)
			batch.Take()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fatalf("%s: %v", p, err)
			}
		}
		st := fr.Stats()
		fr.Close()
		res.CPUNS += int64(cpuNow() - c0)
		res.WallNS += int64(time.Since(w0))
		res.Records += st.Records
		res.Selected += st.Selected
		res.Bytes += fr.Offset()
	}
	if _, rss, ok := procUsage(os.Getpid()); ok {
		res.PeakRSS = rss
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

// cpuNow is this process's CPU time so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
