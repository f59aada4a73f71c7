// Expands an iCalendar feed with Mozilla's ical.js (the library Thunderbird uses), as a
// calendar app would: the feed's own VTIMEZONEs registered, each recurring VEVENT iterated
// with its RECURRENCE-ID overrides. tests/api/test_calendar_clients.py runs it.
//
//   node icaljs_expand.mjs <ical.js install prefix> <from ISO> <to ISO>  < feed.ics
//
// Prints {"<UID>": [["<start UTC ISO>", "<end UTC ISO>"], ...]} for every instance whose
// start is in [from, to), CANCELLED events left out.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, fromText, toText] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(
  path.join(prefix, "node_modules", "ical.js", "dist", "ical.js")).href)).default;

const from = new Date(fromText);
const to = new Date(toText);
// Overrides may move an instance away from its slot: keep iterating slots a while past `to`.
const SLOT_MARGIN_MS = 60 * 24 * 3600 * 1000;
const MAX_SLOTS = 100000;

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}

const byUid = new Map();
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const uid = vevent.getFirstPropertyValue("uid");
  if (!byUid.has(uid)) byUid.set(uid, { master: null, exceptions: [] });
  const entry = byUid.get(uid);
  if (vevent.hasProperty("recurrence-id")) entry.exceptions.push(vevent);
  else entry.master = vevent;
}

const cancelled = (component) =>
  String(component.getFirstPropertyValue("status") || "").toUpperCase() === "CANCELLED";

const out = {};
for (const [uid, { master, exceptions }] of byUid) {
  const instances = [];
  const keep = (start, end, component) => {
    const s = start.toJSDate();
    if (s >= from && s < to && !cancelled(component)) {
      instances.push([s.toISOString(), end.toJSDate().toISOString()]);
    }
  };
  const event = new ICAL.Event(master, { exceptions });
  if (!event.isRecurring()) {
    keep(event.startDate, event.endDate, master);
  } else {
    const iterator = event.iterator();
    for (let n = 0, slot; n < MAX_SLOTS && (slot = iterator.next()); n++) {
      if (slot.toJSDate().getTime() >= to.getTime() + SLOT_MARGIN_MS) break;
      const details = event.getOccurrenceDetails(slot);
      keep(details.startDate, details.endDate, details.item.component);
    }
  }
  out[uid] = instances;
}
process.stdout.write(JSON.stringify(out));
