// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package eventhistory is the source that reads CloudTrail's Event history
// with the LookupEvents API, for accounts without a trail. Each region and
// event source is a stream with a watermark: every poll reads the window
// from settle_time before the watermark to now, hands over the events it
// has not delivered yet as one object (a LookupEvents document the core
// decodes like a file), and moves the watermark once they are all accepted.
package eventhistory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

// Attributes of the log records of the source, in place of the log.file.*
// of the file sources.
const (
	AttrSource       = "aws.cloudtrail.source"
	SourceValue      = "event_history"
	attrRecordID     = "event_id"
	attrRecordRegion = "region"
)

// Window widths while catching up (a backfill, a long stop): a window
// beyond the watermark is made narrower when it held many events, so that
// one poll holds a bounded number of them in memory and in its state, and
// wider when it held few, so that empty days cost few requests.
const (
	initialSpan   = 6 * time.Hour
	minSpan       = 5 * time.Minute
	maxSpan       = 7 * 24 * time.Hour
	windowEvents  = 5000
	maxWorkersCap = 8
)

// Source polls Event history. Its Settle and Accepted callbacks are safe for
// concurrent use: each touches its own stream.
type Source struct {
	cfg          Config
	client       storage.Client
	checkpoints  *checkpoint.Store
	tel          *Telemetry
	recordFailed func(reason string)
	logger       *zap.Logger
	streams      []*stream
	pacer        source.Pacer
	// backlog says the last poll stopped short of now in some stream: the
	// next one starts at once.
	backlog bool
	now     func() time.Time
}

// stream is one call sequence: one region, one event source ("" for all).
type stream struct {
	id          string // region, or region/event source
	region      *region
	eventSource string
	st          *state // nil until read from storage
	span        time.Duration

	// The object in flight: its events in the order of its records, how
	// many were accepted, and the end of its window.
	pending  []pendingEvent
	accepted int
	to       time.Time
}

type pendingEvent struct {
	id   string
	time time.Time
}

// Settings are what the source works with.
type Settings struct {
	Config Config
	// Clients holds the CloudTrail client of each region.
	Clients map[string]API
	// EventSources are sent as the EventSource lookup attribute, one call
	// sequence each (none: one sequence without attribute).
	EventSources []string
	// Storage keeps the streams' states.
	Storage   storage.Client
	Telemetry *Telemetry
	// RecordFailed counts an event whose CloudTrailEvent is not a record,
	// with the reason of otelcol_cloudtrail_records_failed.
	RecordFailed func(reason string)
	Logger       *zap.Logger
}

// New returns the source.
func New(set Settings) *Source {
	cfg := set.Config
	s := &Source{
		cfg: cfg, client: set.Storage, checkpoints: checkpoint.NewStore(set.Storage), tel: set.Telemetry,
		recordFailed: set.RecordFailed, logger: set.Logger,
		pacer: source.Pacer{Every: cfg.PollInterval}, now: time.Now,
	}
	tel, logger := set.Telemetry, set.Logger
	sources := set.EventSources
	if len(sources) == 0 {
		sources = []string{""}
	}
	for _, name := range cfg.Regions {
		r := newRegion(name, set.Clients[name], cfg.RequestsPerSecond, tel, logger)
		for _, es := range sources {
			id := name
			if es != "" {
				id += "/" + es
			}
			s.streams = append(s.streams, &stream{id: id, region: r, eventSource: es, span: initialSpan})
		}
	}
	return s
}

// Describe says what the source reads.
func (s *Source) Describe() source.Description {
	loc := "LookupEvents in " + strings.Join(s.cfg.Regions, ", ")
	if s.cfg.Endpoint != "" {
		loc += " at " + s.cfg.Endpoint
	}
	return source.Description{
		Kind:     SourceValue,
		Location: loc,
		Watching: "polling Event history every " + source.ShortDuration(s.cfg.PollInterval),
		Objects:  "lookups",
		Interval: s.cfg.PollInterval,
		Workers:  min(len(s.streams), maxWorkersCap),
	}
}

// Forgettable: each object is made once from the events a poll found new,
// and its checkpoint is deleted when it is settled; those left by a stop
// in the middle of one are never needed again.
func (*Source) Forgettable(func(string) (string, error)) func(key string) bool {
	return func(string) bool { return true }
}

// Next waits for the poll interval (unless the last poll stopped short of
// now) and polls every stream, the regions at once, each region's streams
// one after the other under its rate limiter. A region that fails is
// logged and reported as the listing's problem; the others go on.
func (s *Source) Next(ctx context.Context) (source.Listing, error) {
	if !s.backlog {
		if err := s.pacer.Wait(ctx); err != nil {
			return source.Listing{}, err
		}
	}
	now := s.now()
	objects := make([]*source.Object, len(s.streams))
	more := make([]bool, len(s.streams))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems error
	)
	for _, r := range s.regions() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, st := range s.streams {
				if st.region != r {
					continue
				}
				o, m, err := s.poll(ctx, st, now)
				if err != nil {
					if ctx.Err() == nil {
						r.failed(err, now)
						mu.Lock()
						problems = errors.Join(problems, fmt.Errorf("event history in %s: %w", r.name, err))
						mu.Unlock()
					}
					return
				}
				objects[i], more[i] = o, m
			}
			r.worked(now)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return source.Listing{}, ctx.Err()
	}
	s.backlog = slices.Contains(more, true)
	l := source.Listing{Backlog: s.backlog, Problem: problems}
	for _, o := range objects {
		if o != nil {
			l.Objects = append(l.Objects, o)
		}
	}
	return l, nil
}

// regions are the regions of the streams, in order.
func (s *Source) regions() []*region {
	var rs []*region
	for _, st := range s.streams {
		if !slices.Contains(rs, st.region) {
			rs = append(rs, st.region)
		}
	}
	return rs
}

// poll reads a stream's window. It returns the object of the events not
// delivered yet, or nil when there are none (the watermark then moves at
// once), and whether the window stopped short of now.
func (s *Source) poll(ctx context.Context, st *stream, now time.Time) (*source.Object, bool, error) {
	if st.st == nil {
		loaded, found, err := loadState(ctx, s.client, st.id)
		if err != nil {
			return nil, false, fmt.Errorf("reading the stored watermark: %w", err)
		}
		if !found {
			start := now.Add(-s.cfg.Lookback)
			loaded = &state{Floor: start, Watermark: start, Seen: make(map[string]int64)}
		}
		st.st = loaded
	}
	from, to := st.st.from(s.cfg.SettleTime), now
	more := false
	if to.Before(st.st.Watermark) {
		to = st.st.Watermark // the clock went back since the watermark was stored
	}
	if to.Sub(st.st.Watermark) > st.span {
		to, more = st.st.Watermark.Add(st.span), true
	}
	events, err := st.region.lookup(ctx, from, to, st.eventSource)
	if err != nil {
		return nil, false, err
	}
	switch {
	case len(events) > windowEvents:
		st.span = max(st.span/2, minSpan)
	case len(events) < windowEvents/4:
		st.span = min(st.span*2, maxSpan)
	}
	fresh := make([]types.Event, 0, len(events))
	ids := make(map[string]bool, len(events))
	for _, e := range events {
		id := aws.ToString(e.EventId)
		if _, seen := st.st.Seen[id]; seen || ids[id] {
			continue
		}
		ids[id] = true
		if err := checkRecord(aws.ToString(e.CloudTrailEvent)); err != nil {
			// The core would not see it: its selector passes over what
			// does not even name the event source.
			s.logger.Error("Skipping an Event history event whose CloudTrailEvent is not a CloudTrail record; the other events are delivered",
				zap.String("region", st.region.name), zap.String(attrRecordID, id),
				zap.Time("event_time", aws.ToTime(e.EventTime)), zap.String("reason", cloudtrail.ReasonInvalidJSON), zap.Error(err))
			if s.recordFailed != nil {
				s.recordFailed(cloudtrail.ReasonInvalidJSON)
			}
			st.st.Seen[id] = aws.ToTime(e.EventTime).Unix()
			continue
		}
		fresh = append(fresh, e)
	}
	s.tel.count(s.tel.duplicate, st.region.name, len(events)-len(ids))
	if len(fresh) == 0 {
		st.st.advance(to, s.cfg.SettleTime)
		s.save(ctx, st)
		s.tel.recordLag(st.region.name, st.st.Newest, now)
		return nil, more, nil
	}
	// Oldest first, as in a trail's files; results came newest first.
	slices.SortStableFunc(fresh, func(a, b types.Event) int {
		if c := aws.ToTime(a.EventTime).Compare(aws.ToTime(b.EventTime)); c != 0 {
			return c
		}
		return strings.Compare(aws.ToString(a.EventId), aws.ToString(b.EventId))
	})
	return s.object(st, fresh, from, to, now), more, nil
}

// lookupDocument is the object handed to the core: a LookupEvents output
// holding the new events, which pkg/cloudtrail decodes like a file.
type lookupDocument struct {
	Events []lookupEvent `json:"Events"`
}

type lookupEvent struct {
	EventID         string `json:"EventId"`
	CloudTrailEvent string `json:"CloudTrailEvent"`
}

func (s *Source) object(st *stream, events []types.Event, from, to, now time.Time) *source.Object {
	doc := lookupDocument{Events: make([]lookupEvent, len(events))}
	st.pending, st.accepted, st.to = make([]pendingEvent, len(events)), 0, to
	for i, e := range events {
		doc.Events[i] = lookupEvent{EventID: aws.ToString(e.EventId), CloudTrailEvent: aws.ToString(e.CloudTrailEvent)}
		st.pending[i] = pendingEvent{id: aws.ToString(e.EventId), time: aws.ToTime(e.EventTime)}
	}
	data, _ := json.Marshal(doc) // strings only: cannot fail
	sum := sha256.Sum256(data)
	tag := hex.EncodeToString(sum[:12])
	key := "event_history:" + st.id + ":" + tag
	return &source.Object{
		Name:    fmt.Sprintf("event_history:%s[%s..%s]", st.id, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)),
		Key:     key,
		Size:    int64(len(data)),
		ModTime: now,
		Attrs:   []source.Attr{{Key: AttrSource, Value: SourceValue}},
		Content: memoryContent{data: data, tag: tag},
		RecordAttrs: func(index int64) []source.Attr {
			attrs := []source.Attr{{Key: attrRecordRegion, Value: st.region.name}}
			if index >= 0 && index < int64(len(events)) {
				attrs = append(attrs, source.Attr{Key: attrRecordID, Value: aws.ToString(events[index].EventId)})
			}
			return attrs
		},
		Accepted: func(records int64) { s.accepted(st, records) },
		Settle:   func(r source.Result) { s.settle(st, key, r) },
	}
}

// accepted adds the events the pipeline accepted to the stream's state and
// stores it, so that neither a later poll nor a restart delivers them again.
func (s *Source) accepted(st *stream, records int64) {
	n := st.accepted
	for st.accepted < len(st.pending) && int64(st.accepted) < records {
		e := st.pending[st.accepted]
		st.st.Seen[e.id] = e.time.Unix()
		if e.time.After(st.st.Newest) {
			st.st.Newest = e.time
		}
		st.accepted++
	}
	if st.accepted == n {
		return
	}
	s.tel.count(s.tel.delivered, st.region.name, st.accepted-n)
	s.save(context.Background(), st)
	s.tel.recordLag(st.region.name, st.st.Newest, s.now())
}

// settle moves the watermark to the end of the window once its object is
// done. Otherwise (a stop, a next consumer that keeps failing) the window is
// read again at the next poll; what was accepted of it is in the state.
func (s *Source) settle(st *stream, key string, r source.Result) {
	if r.Done {
		st.st.advance(st.to, s.cfg.SettleTime)
		s.save(context.Background(), st)
		// The state now stands for the object's checkpoint.
		if err := s.checkpoints.Delete(context.Background(), key); err != nil {
			s.logger.Warn("Cannot delete the checkpoint of a finished Event history window", zap.String("stream", st.id), zap.Error(err))
		}
	}
	st.pending, st.accepted = nil, 0
}

func (s *Source) save(ctx context.Context, st *stream) {
	if err := saveState(ctx, s.client, st.id, st.st); err != nil {
		s.logger.Error("Cannot store the Event history watermark; after a restart some events may be delivered again",
			zap.String("stream", st.id), zap.Error(err))
	}
}

// checkRecord checks that a CloudTrailEvent is a JSON object.
func checkRecord(s string) error {
	t := strings.TrimLeft(s, " \t\r\n")
	if !json.Valid([]byte(t)) {
		return errors.New("CloudTrailEvent is not valid JSON")
	}
	if !strings.HasPrefix(t, "{") {
		return errors.New("CloudTrailEvent is not a JSON object")
	}
	return nil
}

// memoryContent is an object made in memory.
type memoryContent struct {
	data []byte
	tag  string
}

func (c memoryContent) Open(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(c.data)), nil
}

// TailAt returns the digest of the content: it is never appended to.
func (c memoryContent) TailAt(context.Context, int64) (string, error) { return c.tag, nil }

func (memoryContent) Changed(context.Context) bool { return false }
