package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

// cloudtrailReceiver turns CloudTrail log files into log records.
type cloudtrailReceiver struct {
	set     receiver.Settings
	cfg     *Config
	next    consumer.Logs
	obsrecv *receiverhelper.ObsReport
	tel     *telemetry
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
		Transport:              "file",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tel, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &cloudtrailReceiver{set: set, cfg: cfg, next: next, obsrecv: obsrecv, tel: tel, body: body}, nil
}

// Start gets the checkpoint storage and starts polling in the background.
func (r *cloudtrailReceiver) Start(ctx context.Context, host component.Host) error {
	logger := r.set.Logger
	client, err := getStorageClient(ctx, host, r.cfg.Storage, r.set.ID)
	if err != nil {
		return err
	}
	src, workers, err := r.newSource(ctx, client)
	if err != nil {
		_ = client.Close(ctx)
		return err
	}
	if r.cfg.Storage == nil {
		logger.Warn("No storage extension configured: checkpoints are kept in memory only, so every CloudTrail file is read again after a restart. Set `storage` to a storage extension such as file_storage.")
	}
	r.client = client
	p := &processor{
		logger:  logger,
		next:    r.next,
		obsrecv: r.obsrecv,
		tel:     r.tel,
		cps:     &checkpoints{client: client},
		dedup:   newDedup(r.cfg.Dedup),
		sel:     r.cfg.selector(),
		decOpts: cloudtrail.DecoderOptions{MaxRecordSize: r.cfg.MaxRecordSize},
		mapOpts: cloudtrail.MapOptions{
			Body:         r.body,
			ScopeName:    metadata.ScopeName,
			ScopeVersion: r.set.BuildInfo.Version,
		},
		batchSize:   r.cfg.BatchSize,
		retry:       r.cfg.RetryOnFailure,
		copyOnRetry: r.next.Capabilities().MutatesData,
		now:         time.Now,
		reported:    newReportMarks(),
		workers:     workers,
		progress:    newProgress(logger, &r.tel.tally, time.Now, r.location(), r.watching(src), r.cfg.EventSources),
		status:      newSourceStatus(host),
	}
	if r.cfg.CheckpointRetention > 0 {
		p.retention = newCheckpointRetention(client, r.cfg.CheckpointRetention, time.Now, logger, r.tel)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	logger.Info("Reading CloudTrail files", zap.Stringer("source", src), zap.String("location", r.location()),
		zap.Duration("poll_interval", src.interval()), zap.Strings("event_sources", r.cfg.EventSources))
	go r.run(runCtx, p, src)
	return nil
}

// sourceWithName is a source that names its kind in logs.
type sourceWithName interface {
	source
	String() string
}

// newSource builds the configured source and the number of files it lets
// the processor read at once.
func (r *cloudtrailReceiver) newSource(ctx context.Context, store storage.Client) (sourceWithName, int, error) {
	if r.cfg.SQS.QueueURL != "" {
		c := r.cfg.SQS
		endpoint := sqsEndpoint(c)
		awsCfg, err := loadAWSConfig(ctx, sqsRegion(c), c.RoleARN, endpoint != "" || c.S3Endpoint != "", r.set.Logger)
		if err != nil {
			return nil, 0, fmt.Errorf("sqs: %w", err)
		}
		src := newSQSSource(c, newSQSClient(awsCfg, endpoint), newS3Client(awsCfg, c.S3Endpoint, c.ForcePathStyle), r.set.Logger)
		return src, c.Workers, nil
	}
	if r.cfg.S3.Bucket != "" {
		c := r.cfg.S3
		awsCfg, err := loadAWSConfig(ctx, c.Region, c.RoleARN, c.Endpoint != "", r.set.Logger)
		if err != nil {
			return nil, 0, fmt.Errorf("s3: %w", err)
		}
		src, err := newS3Source(c, newS3Client(awsCfg, c.Endpoint, c.ForcePathStyle), store, r.set.Logger)
		if err != nil {
			return nil, 0, err
		}
		return src, r.cfg.S3.MaxConcurrentObjects, nil
	}
	src, err := newDirectorySource(r.cfg.Directory, r.set.Logger)
	if err != nil {
		return nil, 0, err
	}
	return src, 1, nil
}

// location says where the source reads, for the start-up log.
func (r *cloudtrailReceiver) location() string {
	if r.cfg.SQS.QueueURL != "" {
		return r.cfg.SQS.QueueURL
	}
	if r.cfg.S3.Bucket != "" {
		return "s3://" + r.cfg.S3.Bucket + "/" + s3keys.LogsPrefix(r.cfg.S3.Prefix)
	}
	return r.cfg.Directory.Path
}

// watching says how the receiver goes on once caught up, for the
// caught-up log.
func (r *cloudtrailReceiver) watching(src source) string {
	if r.cfg.SQS.QueueURL != "" {
		return "waiting for new notifications on the queue"
	}
	return "watching for new files every " + shortDuration(src.interval())
}

// shortDuration writes d without zero trailing units: 1m, not 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// run polls the source: once at once, then every poll interval.
func (r *cloudtrailReceiver) run(ctx context.Context, p *processor, src source) {
	defer close(r.done)
	ticker := time.NewTicker(src.interval())
	defer ticker.Stop()
	for {
		p.pollOnce(ctx, src)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Shutdown stops polling, waits for the file being processed to stop (a
// batch being retried is abandoned; its checkpoint is left where it is) and
// closes the storage client.
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
