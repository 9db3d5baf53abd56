// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/dedup"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/delivery"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/ingest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/runner"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/directory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// cloudtrailReceiver turns CloudTrail log files into log records: it wires
// the configured source, the ingest core and the checkpoint storage
// together and runs them in the background.
type cloudtrailReceiver struct {
	set     receiver.Settings
	cfg     *Config
	next    consumer.Logs
	obsrecv *receiverhelper.ObsReport
	tel     *telemetry.Telemetry
	body    cloudtrail.BodyMode

	client storage.Client
	cancel context.CancelFunc
	done   chan struct{}
}

var _ receiver.Logs = (*cloudtrailReceiver)(nil)

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*cloudtrailReceiver, error) {
	body, err := cloudtrail.ParseBodyMode(cfg.Body)
	if err != nil {
		return nil, err
	}
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              cfg.transport(),
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.New(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &cloudtrailReceiver{set: set, cfg: cfg, next: next, obsrecv: obsrecv, tel: tel, body: body}, nil
}

// Start gets the checkpoint storage, builds the source and starts reading
// in the background.
func (r *cloudtrailReceiver) Start(ctx context.Context, host component.Host) error {
	logger := r.set.Logger
	client, err := checkpoint.StorageClient(ctx, host, r.cfg.Storage, r.set.ID)
	if err != nil {
		return err
	}
	src, err := r.newSource(ctx, client)
	if err != nil {
		_ = client.Close(ctx)
		return err
	}
	if r.cfg.Storage == nil {
		logger.Warn("No storage extension configured: checkpoints are kept in memory only, so every CloudTrail file is read again after a restart. Set `storage` to a storage extension such as file_storage.")
	}
	r.client = client
	var retention *checkpoint.Retention
	if r.cfg.CheckpointRetention > 0 {
		retention = checkpoint.NewRetention(client, r.cfg.CheckpointRetention, time.Now, logger, r.tel)
	}
	run := runner.New(runner.Settings{
		Logger:       logger,
		Host:         host,
		Source:       src,
		Retention:    retention,
		Tally:        &r.tel.Tally,
		EventSources: r.cfg.EventSources,
		NewIngester: func(sourceProblem func(error)) *ingest.Ingester {
			return ingest.New(ingest.Settings{
				Logger:      logger,
				Telemetry:   r.tel,
				Checkpoints: checkpoint.NewStore(client),
				Retention:   retention,
				Dedup:       dedup.New(r.cfg.Dedup.Enabled, r.cfg.Dedup.CacheSize),
				Selector:    r.cfg.selector(),
				Decoder:     cloudtrail.DecoderOptions{MaxRecordSize: r.cfg.MaxRecordSize, BufferSize: readBufferSize},
				Mapping: cloudtrail.MapOptions{
					Body:         r.body,
					ScopeName:    metadata.ScopeName,
					ScopeVersion: r.set.BuildInfo.Version,
				},
				BatchSize:     r.cfg.BatchSize,
				Delivery:      delivery.New(r.next, r.obsrecv, r.cfg.RetryOnFailure, logger, r.tel),
				SourceProblem: sourceProblem,
			})
		},
	})
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	d := src.Describe()
	fields := []zap.Field{zap.String("source", d.Kind), zap.String("location", d.Location)}
	if d.Interval > 0 {
		fields = append(fields, zap.Duration("poll_interval", d.Interval))
	}
	logger.Info("Reading CloudTrail files", append(fields, zap.Strings("event_sources", r.cfg.EventSources))...)
	go func() {
		defer close(r.done)
		run.Run(runCtx)
	}()
	return nil
}

// newSource builds the configured source.
func (r *cloudtrailReceiver) newSource(ctx context.Context, store storage.Client) (source.Source, error) {
	logger := r.set.Logger
	switch {
	case r.cfg.EventHistory.Selected():
		c := r.cfg.EventHistory
		awsCfg, err := awsclient.LoadConfig(ctx, c.Regions[0], c.RoleARN, c.Endpoint != "", logger)
		if err != nil {
			return nil, fmt.Errorf("event_history: %w", err)
		}
		clients := make(map[string]eventhistory.API, len(c.Regions))
		for _, region := range c.Regions {
			clients[region] = awsclient.NewCloudTrailClient(awsCfg, region, c.Endpoint)
		}
		tel, err := eventhistory.NewTelemetry(r.set.TelemetrySettings)
		if err != nil {
			return nil, err
		}
		return eventhistory.New(eventhistory.Settings{
			Config: c, Clients: clients, EventSources: r.cfg.EventSources, Storage: store, Telemetry: tel,
			RecordFailed: func(reason string) { r.tel.RecordFailed(context.Background(), reason) },
			Logger:       logger,
		}), nil
	case r.cfg.SQS.QueueURL != "":
		c := r.cfg.SQS
		endpoint := c.RequestEndpoint()
		awsCfg, err := awsclient.LoadConfig(ctx, c.QueueRegion(), c.RoleARN, endpoint != "" || c.S3Endpoint != "", logger)
		if err != nil {
			return nil, fmt.Errorf("sqs: %w", err)
		}
		return sqsqueue.New(c, awsclient.NewSQSClient(awsCfg, endpoint), awsclient.NewS3Client(awsCfg, c.S3Endpoint, c.ForcePathStyle), logger), nil
	case r.cfg.S3.Bucket != "":
		c := r.cfg.S3
		awsCfg, err := awsclient.LoadConfig(ctx, c.Region, c.RoleARN, c.Endpoint != "", logger)
		if err != nil {
			return nil, fmt.Errorf("s3: %w", err)
		}
		return s3bucket.New(c, awsclient.NewS3Client(awsCfg, c.Endpoint, c.ForcePathStyle), store, logger)
	default:
		return directory.New(r.cfg.Directory, logger)
	}
}

// Shutdown stops reading, waits for the object being read to stop (a batch
// being retried is abandoned; its checkpoint is left where it is) and closes
// the storage client.
func (r *cloudtrailReceiver) Shutdown(ctx context.Context) error {
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	select {
	case <-r.done:
	case <-ctx.Done():
		// Still inside the next consumer: leave the client open for it.
		return errors.Join(errors.New("cloudtrail receiver did not stop in time"), ctx.Err())
	}
	if r.client == nil {
		return nil
	}
	err := r.client.Close(ctx)
	r.client = nil
	return err
}

// readBufferSize is the decoder's first read buffer per file: a CloudTrail
// file is about 75 KB of JSON, so the decoder's default of 256 KiB is mostly
// allocated and cleared for nothing; the buffer grows for a larger record.
const readBufferSize = 64 << 10
