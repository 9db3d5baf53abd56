// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"go.uber.org/zap"
)

// deliveryRemedy is what keeps the at-least-once guarantee with a
// checkpointing receiver: the push answers the receiver only once
// Elasticsearch has every record, so what a crash interrupts is read again
// from the receiver's checkpoint (config/elasticsearch.yaml does so).
const deliveryRemedy = "set sending_queue.enabled: false (as config/elasticsearch.yaml does) " +
	"or sending_queue.wait_for_result: true, without storage"

// deliveryRisk says how the sending queue can lose records that the
// receiver has already checkpointed, or "" when it cannot. The exporter sees
// only its own settings: a batch processor in front of it loses records the
// same way and is not detected here (README "Guarantees").
func (c *Config) deliveryRisk() string {
	q := c.QueueBatchConfig.Get()
	if q == nil {
		return "" // synchronous: ConsumeLogs returns the push's result
	}
	if q.StorageID != nil {
		risk := "the persistent sending queue (sending_queue.storage) acknowledges records before Elasticsearch has them, " +
			"and exporterhelper v0.165.0 loses queued records when the collector is killed while restoring the queue after a restart"
		if !c.BackOffConfig.Enabled || c.BackOffConfig.MaxElapsedTime != 0 {
			risk += "; with retry_on_failure disabled or a max_elapsed_time other than 0 it also drops what Elasticsearch does not take in time"
		}
		return risk
	}
	if !q.WaitForResult {
		return "the in-memory sending queue without wait_for_result acknowledges records before Elasticsearch has them: " +
			"a stop or crash while Elasticsearch is slow or down loses what the queue holds, and the receiver has checkpointed it"
	}
	return ""
}

// warnDeliveryRisk logs, once at start, a configuration that loses the
// at-least-once guarantee, with the remedy.
func (e *auditExporter) warnDeliveryRisk() {
	if risk := e.cfg.deliveryRisk(); risk != "" {
		e.logger.Warn("Records can be lost: "+risk+"; to keep every record, "+deliveryRemedy,
			zap.String("remedy", deliveryRemedy))
	}
}
