"""``dateTime``: n8n's Date & Time node. Version 2: the current date, adding to or subtracting
from a date, formatting, rounding, the time between two dates, a part of a date, with Luxon's
dates; version 1: formatting with moment.js's tokens and adding or subtracting, in the server's
zone (UTC here). It runs in the expression sandbox, with n8n's ways of reading a date."""

from __future__ import annotations

import copy

from ... import expressions
from ...model import Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import NodeType, Results, Run, failed, n8n_native

PROGRAM = r"""
const momentParse = (text) => {  // what moment reads: ISO 8601, RFC 2822, else what Date reads
  let parsed = DateTime.fromISO(text, { zone: 'UTC' });
  if (!parsed.isValid) parsed = DateTime.fromRFC2822(text, { zone: 'UTC' });
  if (!parsed.isValid) {
    const millis = new Date(text).getTime();
    parsed = Number.isNaN(millis) ? DateTime.invalid('unparsable')
      : DateTime.fromMillis(millis, { zone: 'UTC' });
  }
  return parsed;
};
const parseDate = (date, options) => {  // n8n's parseDate (Date & Time 2)
  if (DateTime.isDateTime(date)) return date;
  let value = date;
  if (!Number.isNaN(Number(value)) && !options.fromFormat) {
    value = Number(value);
    if (!Number.isInteger(value)) value = value * 1000;
  }
  let zone = options.timezone;
  let parsed;
  if (Number.isInteger(value)) {
    parsed = String(value).length < 12 ? DateTime.fromSeconds(value) : DateTime.fromMillis(value);
  } else {
    if (!zone && value.includes('+')) zone = `Etc/GMT-${value.split('+')[1].slice(0, 2) * 1}`;
    parsed = options.fromFormat ? DateTime.fromFormat(value, options.fromFormat)
      : momentParse(value);
  }
  parsed = parsed.setZone(zone || 'Etc/UTC');
  if (parsed.invalidReason === 'unparsable') throw new Error('Invalid date format');
  return parsed;
};
const MOMENT = new RegExp('\\[([^\\]]*)]|YYYY|YY|Q|MMMM|MMM|MM|M|DDDD|DDD|Do|DD|D|dddd|ddd|dd|d|E'
  + '|WW|W|HH|H|hh|h|kk|k|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x', 'g');
const pad = (n, width) => String(n).padStart(width, '0');
const offsetText = (minutes, colon) => {
  const h = pad(Math.floor(Math.abs(minutes) / 60), 2);
  const m = pad(Math.abs(minutes) % 60, 2);
  return `${minutes < 0 ? '-' : '+'}${h}${colon ? ':' : ''}${m}`;
};
const ordinal = (n) => {
  const v = n % 100;
  return n + (['th', 'st', 'nd', 'rd'][(v - 20) % 10] || ['th', 'st', 'nd', 'rd'][v] || 'th');
};
const momentFormat = (dt, format) => format.replace(MOMENT, (token, literal) => {
  if (literal !== undefined) return literal;
  const hour12 = dt.hour % 12 || 12;
  const parts = {
    YYYY: pad(dt.year, 4), YY: pad(dt.year % 100, 2), Q: dt.quarter,
    MMMM: dt.monthLong, MMM: dt.monthShort, MM: pad(dt.month, 2), M: dt.month,
    DDDD: pad(dt.ordinal, 3), DDD: dt.ordinal, Do: ordinal(dt.day), DD: pad(dt.day, 2), D: dt.day,
    dddd: dt.weekdayLong, ddd: dt.weekdayShort, dd: dt.weekdayShort.slice(0, 2),
    d: dt.weekday % 7, E: dt.weekday, WW: pad(dt.weekNumber, 2), W: dt.weekNumber,
    HH: pad(dt.hour, 2), H: dt.hour, hh: pad(hour12, 2), h: hour12,
    kk: pad(dt.hour || 24, 2), k: dt.hour || 24, mm: pad(dt.minute, 2), m: dt.minute,
    ss: pad(dt.second, 2), s: dt.second, SSS: pad(dt.millisecond, 3),
    SS: pad(Math.floor(dt.millisecond / 10), 2), S: Math.floor(dt.millisecond / 100),
    A: dt.hour < 12 ? 'AM' : 'PM', a: dt.hour < 12 ? 'am' : 'pm',
    ZZ: offsetText(dt.offset, false), Z: offsetText(dt.offset, true),
    X: Math.floor(dt.toMillis() / 1000), x: dt.toMillis(),
  };
  return String(parts[token]);
});
const LUXON = { YYYY: 'yyyy', YY: 'yy', MMMM: 'MMMM', MMM: 'MMM', MM: 'MM', M: 'M', DD: 'dd',
  D: 'd', Do: 'd', HH: 'HH', H: 'H', hh: 'hh', h: 'h', mm: 'mm', m: 'm', ss: 'ss', s: 's',
  SSS: 'SSS', A: 'a', a: 'a', ZZ: 'ZZZ', Z: 'ZZ', X: 'X', x: 'x', dddd: 'EEEE', ddd: 'EEE' };
const fromMoment = (text, format, zone) => DateTime.fromFormat(String(text),
  format.replace(MOMENT, (token, literal) => (literal !== undefined ? `'${literal}'`
    : LUXON[token] || token)),
  { zone });
const oneV1 = (p, zone) => {  // Date & Time 1: moment's formats, in the server's zone (UTC)
  const options = p.options || {};
  let value = p.value;
  if (p.action === 'calculate') {
    let date;
    if (options.fromFormat) {
      date = fromMoment(value, options.fromFormat, 'UTC');
      if (!date.isValid) {
        throw new Error('Date input cannot be parsed. Please recheck the value and the '
          + '"From Format" field.');
      }
    } else {
      const millis = new Date(value).getTime();
      if (Number.isNaN(millis)) {
        throw new Error('Unrecognized date input. Please specify a format in the '
          + '"From Format" field.');
      }
      date = DateTime.fromMillis(millis, { zone: 'UTC' });
    }
    const shift = { [p.timeUnit || 'days']: p.duration ?? 0 };
    const moved = p.operation === 'subtract' ? date.minus(shift) : date.plus(shift);
    return moved.toUTC().toISO();
  }
  if (DateTime.isDateTime(value)) value = value.toISO();
  if (!Number.isNaN(Number(value))) {
    value = Number(value);
    if (!Number.isInteger(value)) value = value * 1000;
  }
  if (value === undefined) return undefined;
  let date;
  if (Number.isInteger(value)) {
    date = String(value).length < 12 ? DateTime.fromSeconds(value, { zone: 'UTC' })
      : DateTime.fromMillis(value, { zone: 'UTC' });
  } else {
    const from = options.fromTimezone || options.toTimezone ? options.fromTimezone || zone : 'UTC';
    date = options.fromFormat ? fromMoment(value, options.fromFormat, from)
      : momentParse(String(value));
    if (!options.fromFormat && date.isValid) {  // a text without an offset is in that zone
      date = date.setZone(from, { keepLocalTime: !/[zZ]|[+-]\d\d:?\d\d$/.test(value) });
    }
  }
  if (!date.isValid) {
    throw new Error('The date input format could not be recognized. Please set the "From Format" '
      + 'field');
  }
  if (options.toTimezone || options.fromTimezone) date = date.setZone(options.toTimezone || zone);
  return momentFormat(date, p.toFormat ?? 'MM/DD/YYYY');
};
const one = (p, zone) => {
  const options = p.options || {};
  const op = p.operation || 'getCurrentDate';
  if (op === 'getCurrentDate') {
    const where = options.timezone || zone;
    const now = DateTime.now().setZone(where);
    if (!now.isValid) {
      throw new Error(`The timezone ${where} is not valid. Please check the timezone.`);
    }
    const current = p.includeTime === false ? now.startOf('day') : now;
    return [p.outputFieldName ?? 'currentDate', String(current)];
  }
  if (op === 'addToDate' || op === 'subtractFromDate') {
    const date = parseDate(p.magnitude ?? '', { timezone: zone });
    const shift = { [p.timeUnit || 'days']: p.duration ?? 0 };
    const moved = op === 'addToDate' ? date.plus(shift) : date.minus(shift);
    return [p.outputFieldName ?? 'newDate', String(moved)];
  }
  if (op === 'formatDate') {
    const field = p.outputFieldName ?? 'formattedDate';
    if (p.date === null || p.date === undefined) return [field, p.date];
    const date = parseDate(p.date, {
      timezone: options.timezone ? zone : undefined, fromFormat: options.fromFormat,
    });
    const format = p.format ?? 'MM/dd/yyyy';
    return [field, date.toFormat(format === 'custom' ? p.customFormat : format)];
  }
  if (op === 'roundDate') {
    const date = parseDate(p.date ?? '', { timezone: zone });
    const field = p.outputFieldName ?? 'roundedDate';
    if ((p.mode || 'roundDown') === 'roundDown') {
      return [field, String(date.startOf(p.toNearest || 'month'))];
    }
    const to = p.to || 'month';
    return [field, String(date.plus({ [to]: 1 }).startOf(to))];
  }
  if (op === 'getTimeBetweenDates') {
    const start = parseDate(p.startDate ?? '', { timezone: zone });
    const end = parseDate(p.endDate ?? '', { timezone: zone });
    const duration = end.diff(start, p.units ?? ['day']);
    const difference = options.isoString ? duration.toString() : duration.toObject();
    return [p.outputFieldName ?? 'timeDifference', difference];
  }
  if (op === 'extractDate') {
    const date = parseDate(p.date ?? '', { timezone: zone });
    const part = p.part || 'month';
    return [p.outputFieldName ?? 'datePart', part === 'week' ? date.weekNumber : date.get(part)];
  }
  throw new Error(`The operation "${op}" is not known`);
};
return items.map(({ json: { p, zone, version } }) => {  // each item: its parameters
  try {
    if (version < 2) {
      const written = oneV1(p, zone);
      return written === undefined ? { skip: true } : { v1: written };
    }
    return { value: one(p, zone) };
  } catch (e) {
    if (e.name === 'NeedZone') throw e;  // the host loads the zone and runs this again
    return { error: e.message };
  }
});
"""


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    raw = node.get("parameters") or {}
    params = [expressions.resolve(raw, ctx.context(items, i, parent)) for i in range(len(items))]
    version = float(node.get("typeVersion", 2))
    tasks: list[Item] = [
        {"json": {"p": p, "zone": ctx.timezone, "version": version}} for p in params
    ]
    try:  # one program for every node, compiled once: the parameters come in as its items
        results, _ = expressions.run_code(PROGRAM, ctx.context(tasks, 0, parent))
    except expressions.ScriptError as exc:
        raise NodeFailed(node.name, 0, str(exc), None) from None
    out: list[Item | Failure] = []
    for i, (item, p, result) in enumerate(zip(items, params, results, strict=True)):
        if "error" in result:
            stop = NodeFailed(node.name, i, result["error"], None)
            out.append(failed(node, stop, {"json": {"error": result["error"]}}))
            continue
        if result.get("skip"):  # version 1 outputs nothing for an undefined value
            continue
        if "v1" in result:  # version 1 writes into a copy of the item (a dotted name as it is)
            data = copy.deepcopy(item["json"])
            data[str(p.get("dataPropertyName", "data"))] = result["v1"]
        else:
            data = dict(item["json"]) if (p.get("options") or {}).get("includeInputFields") else {}
            field, value = result["value"]
            data[field] = value
        out.append({"json": data, "pairedItem": paired(i)})
    return {"main": out}


NODE = NodeType(
    name="dateTime",
    description="n8n's Date & Time node (versions 1 and 2), its dates in the sandbox.",
    run=run,
    **n8n_native("n8n-nodes-base.dateTime", 2),
)
