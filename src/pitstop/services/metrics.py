"""Prometheus metrics: gauges read from the in-memory snapshot at scrape time, counters and
histograms updated where things happen. One registry per runtime (tests run many)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from pitstop import clock
from pitstop.domain.windows import in_progress
from pitstop.services.snapshot import Snapshot
from pitstop.services.stream import StreamHub
from pitstop.services.targets import in_maintenance

KINDS = ("platform", "node", "service")
LIVE = ("SCHEDULED", "READY", "ONGOING")


class _State(Collector):
    def __init__(self, state: Snapshot, stream: StreamHub, leads: Callable[[], bool]) -> None:
        self._state, self._stream, self._leads = state, stream, leads

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        state, stream, now = self._state, self._stream, clock.now()
        in_maint = GaugeMetricFamily("pitstop_targets_in_maintenance",
                                     "Targets in maintenance now, by kind", labels=["kind"])
        counts = Counter(state.targets[t].kind for t in in_maintenance(state, now))
        for kind in KINDS:
            in_maint.add_metric([kind], counts.get(kind, 0))
        yield in_maint
        yield GaugeMetricFamily("pitstop_leases_in_flight", "Leases that count now",
                                value=sum(1 for x in state.leases.values() if x.counts_at(now)))
        occ = GaugeMetricFamily("pitstop_occurrences", "Occurrences not ended, by status "
                                "(ONGOING: in progress now)", labels=["status"])
        statuses = Counter(o.status.value for o, _ in state.live_pairs())
        statuses["ONGOING"] = sum(1 for o, w in state.live_pairs() if in_progress(o, w, now))
        for status in LIVE:
            occ.add_metric([status], statuses.get(status, 0))
        yield occ
        yield GaugeMetricFamily("pitstop_stream_clients", "Connected live-stream clients",
                                value=len(stream.subscribers))
        yield CounterMetricFamily("pitstop_events_published", "Events sent to the live stream",
                                  value=stream.published)
        yield GaugeMetricFamily("pitstop_scheduler_leader", "1 on the replica that runs the "
                                "scheduler (holds the leader lock), 0 on the others",
                                value=int(self._leads()))


class Metrics:
    """``leads()``: whether this replica runs the scheduler now."""

    def __init__(self, state: Snapshot, stream: StreamHub, leads: Callable[[], bool]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_State(state, stream, leads))
        self.scheduler_lateness = Histogram(
            "pitstop_scheduler_lateness_seconds",
            "How long after its boundary an occurrence transition was made",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 60, 300, 3600),
            registry=self.registry)
        self.delivery_latency = Histogram(
            "pitstop_delivery_latency_seconds",
            "From a notification's change to its delivery, by channel kind",
            labelnames=["kind"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
            registry=self.registry)

        self.deliveries = PromCounter(
            "pitstop_deliveries_total",
            "Delivery attempts by channel kind and outcome (delivered, failed: will retry, "
            "dead: gave up)", labelnames=["kind", "outcome"], registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
