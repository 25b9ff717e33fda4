"""``dateTime``: n8n's Date & Time node (version 2): the current date, adding to or subtracting
from a date, formatting, rounding, the time between two dates, a part of a date. The dates are
Luxon's, so the node runs in the expression sandbox, with n8n's way of reading a date."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from .base import Checker, NodeType, Outputs, Problems, Run, continues, n8n_native

PROGRAM = """
const parseDate = (date, options) => {  // n8n's parseDate
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
    if (options.fromFormat) {
      parsed = DateTime.fromFormat(value, options.fromFormat);
    } else {  // what moment reads: ISO 8601, RFC 2822, else what Date reads
      parsed = DateTime.fromISO(value, { zone: 'UTC' });
      if (!parsed.isValid) parsed = DateTime.fromRFC2822(value, { zone: 'UTC' });
      if (!parsed.isValid) {
        const millis = new Date(value).getTime();
        parsed = Number.isNaN(millis) ? DateTime.invalid('unparsable')
          : DateTime.fromMillis(millis);
      }
    }
  }
  parsed = parsed.setZone(zone || 'Etc/UTC');
  if (parsed.invalidReason === 'unparsable') throw new Error('Invalid date format');
  return parsed;
};
const one = (p) => {
  const zone = __ZONE__;
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
return __PARAMS__.map((p) => {
  try {
    return { value: one(p) };
  } catch (e) {
    if (e.name === 'NeedZone') throw e;  // the host loads the zone and runs this again
    return { error: e.message };
  }
});
"""


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    raw = node.get("parameters") or {}
    params = [expressions.resolve(raw, ctx.context(items, i, parent)) for i in range(len(items))]
    script = PROGRAM.replace("__ZONE__", json.dumps(ctx.timezone)).replace(
        "__PARAMS__", json.dumps(params)
    )
    try:
        results, _ = expressions.run_code(script, ctx.context(items, 0, parent))
    except expressions.ScriptError as exc:
        raise NodeFailed(node.name, 0, str(exc), None) from None
    out: list[Item] = []
    for i, (item, p, result) in enumerate(zip(items, params, results, strict=True)):
        if "error" in result:
            if not continues(node):
                raise NodeFailed(node.name, i, result["error"], None)
            out.append({"json": {"error": result["error"]}})
            continue
        data = dict(item["json"]) if (p.get("options") or {}).get("includeInputFields") else {}
        field, value = result["value"]
        data[field] = value
        out.append({"json": data, "pairedItem": {"item": i}})
    return {"main": out}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if float(node.get("typeVersion", 2)) < 2:
        return [
            (
                ["typeVersion"],
                "Date & Time version 1 is not supported (it formats with moment.js): use a "
                "Date & Time node of version 2, or an expression such as "
                "{{ DateTime.fromISO($json.date).toFormat('yyyy-MM-dd') }}",
            )
        ]
    return []


NODE = NodeType(
    name="dateTime",
    description="n8n's Date & Time node (version 2), with Luxon's dates in the sandbox.",
    run=run,
    check=check,
    **n8n_native("n8n-nodes-base.dateTime", 2),
)
