"""What the scheduler's jobs remember between passes, held by the runtime: the horizon
refresher's expanders and the reminder job's last look."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pitstop.domain.recurrence import Expander
from pitstop.services.events import Event
from pitstop.services.snapshot import WindowRecord


@dataclass
class Horizon:
    """The horizon refresher's memory: one resumable expander per recurring window, kept
    between refreshes so a refresh costs only what it adds (rebuilt from the stored cursor
    after a restart or an edit)."""

    expanders: dict[int, tuple[int, Expander]] = field(default_factory=dict)
    due: tuple[int, datetime | None] | None = None  # (windows_generation, next due)

    def expander(self, record: WindowRecord) -> Expander:
        cached = self.expanders.get(record.id)
        if cached is None or cached[0] != record.version:
            cached = (record.version, Expander(record.series, record.cursor))
            self.expanders[record.id] = cached
        return cached[1]


@dataclass
class ReminderClock:
    """When the reminder job last looked at the database, and whether a change since may
    have made a reminder due that the snapshot's times do not show."""

    checked_at: datetime | None = None
    dirty: bool = True

    def on_event(self, event: Event) -> None:
        if event.type.startswith(("occurrence.", "window.")) \
                and event.type != "occurrence.reminder":
            self.dirty = True
