"""Token metrics in CloudWatch's embedded metric format (Powertools Metrics).

Each record gets its own `EphemeralMetrics` (no state shared between threads of the local
server) and is flushed at once: one EMF line with the three token counts, the same in a Lambda
(CloudWatch turns the log line into metrics) and in the local server (a JSON line on stdout next
to the structured logs). Nothing depends on a Lambda handler decorator to flush.
Set `POWERTOOLS_METRICS_DISABLED=true` to silence it.

Model and provider names come from clients; each distinct pair is a CloudWatch metric (and
costs money), so names are reduced to a short safe form before they become dimensions.
"""

from __future__ import annotations

import re

from lambdachat.config import get_settings
from lambdachat.usage.model import UsageRecord

NAMESPACE = "lambdachat"
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/-]+")


def dimension(value: str) -> str:
    return _UNSAFE.sub("_", value)[:64] or "unknown"


def emit_tokens(record: UsageRecord) -> None:
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    metrics = EphemeralMetrics(namespace=get_settings().metrics_namespace or NAMESPACE)
    metrics.add_dimension(name="model", value=dimension(record.model))
    metrics.add_dimension(name="provider", value=dimension(record.provider))
    metrics.add_metric(name="PromptTokens", unit=MetricUnit.Count, value=record.prompt_tokens)
    metrics.add_metric(name="CompletionTokens", unit=MetricUnit.Count, value=record.completion_tokens)
    metrics.add_metric(name="TotalTokens", unit=MetricUnit.Count, value=record.total_tokens)
    metrics.flush_metrics()
