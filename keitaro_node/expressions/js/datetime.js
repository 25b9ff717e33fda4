// DateTime and Duration: the part of Luxon's API that n8n expressions use, in en-US, written for
// this sandbox (no Intl here). Time zones come from Python's zoneinfo as transition tables
// (loadZone); a zone not loaded yet throws NeedZone and Python evaluates again with it.
'use strict';

const MS = { millisecond: 1, second: 1e3, minute: 6e4, hour: 36e5, day: 864e5, week: 6048e5 };
const UNIT = {
  year: 'year', years: 'year', quarter: 'quarter', quarters: 'quarter', month: 'month',
  months: 'month', week: 'week', weeks: 'week', day: 'day', days: 'day', hour: 'hour',
  hours: 'hour', minute: 'minute', minutes: 'minute', second: 'second', seconds: 'second',
  millisecond: 'millisecond', milliseconds: 'millisecond',
};
const ORDER = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

class NeedZone extends Error {
  constructor(zone) { super(zone); this.name = 'NeedZone'; this.zone = zone; }
}

const ZONES = { __proto__: null };
const ZONE_NAMES = { __proto__: null };  // lower case -> canonical name, for the names loaded
function loadZone(name, table) {
  // table: {t: [utc seconds of each change], o: [offset minutes from then on]}; null: no such zone
  ZONES[name] = table;
  ZONE_NAMES[name.toLowerCase()] = table ? name : null;
}

const pad = (n, width = 2) => {
  const text = String(Math.abs(Math.trunc(n))).padStart(width, '0');
  return n < 0 ? '-' + text : text;
};
const floorDiv = (a, b) => Math.floor(a / b);
const isLeap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y, m) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
const utcMs = (y, mo, d, h = 0, mi = 0, s = 0, ms = 0) => {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
};
const fields = (local) => {
  const d = new Date(local);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
};

// A zone: 'UTC', an IANA name, or a fixed offset ('UTC+3', '+03:00').
function normalizeZone(zone) {
  if (zone === undefined || zone === null) return S.zone;
  if (typeof zone !== 'string') return null;
  const lower = zone.toLowerCase();
  if (lower === 'utc' || lower === 'gmt' || lower === 'z' || lower === 'etc/utc') return 'UTC';
  if (lower === 'local' || lower === 'system' || lower === 'default') return S.zone;
  const fixed = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (fixed) {
    const minutes = (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] || 0));
    return minutes === 0 ? 'UTC' : fixedName(minutes);
  }
  if (lower in ZONE_NAMES) return ZONE_NAMES[lower];
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(zone)) return null;
  throw new NeedZone(zone);
}
const fixedName = (m) => 'UTC' + (m < 0 ? '-' : '+') + Math.floor(Math.abs(m) / 60)
  + (Math.abs(m) % 60 ? ':' + pad(Math.abs(m) % 60) : '');

function offsetAt(zone, ts) {
  if (zone === 'UTC') return 0;
  if (zone.startsWith('UTC')) {
    const m = /^UTC([+-])(\d+)(?::(\d\d))?$/.exec(zone);
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0));
  }
  const table = ZONES[zone];
  if (!table) throw new NeedZone(zone);
  const seconds = ts / 1000;
  let lo = 0, hi = table.t.length - 1;
  if (hi < 0 || seconds < table.t[0]) return table.o[0];
  while (lo < hi) {  // the last change at or before ts
    const mid = (lo + hi + 1) >> 1;
    if (table.t[mid] <= seconds) lo = mid; else hi = mid - 1;
  }
  return table.o[lo];
}

// The UTC instant of a wall-clock time in a zone (in a gap: moved forward; in an overlap: earlier).
function wallToTs(zone, local) {
  const first = offsetAt(zone, local);
  let ts = local - first * 6e4;
  const second = offsetAt(zone, ts);
  if (second === first) return ts;
  ts = local - second * 6e4;
  const third = offsetAt(zone, ts);
  if (third === second) return ts;
  return local - Math.min(second, third) * 6e4;
}

class Duration {
  constructor(values, invalid) {
    this.values = values;
    this.invalidReason = invalid || null;
    for (const unit of ORDER) {
      Object.defineProperty(this, unit + 's', { get: () => this.values[unit + 's'] || 0, enumerable: false });
    }
  }
  static fromObject(obj) {
    if (obj === null || typeof obj !== 'object') throw new TypeError('Duration.fromObject: argument expected to be an object');
    const values = {};
    for (const [key, value] of Object.entries(obj)) {
      const unit = UNIT[key];
      if (!unit) throw new TypeError(`Invalid unit ${key}`);
      if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`Invalid unit value ${value}`);
      values[unit + 's'] = value;
    }
    return new Duration(values);
  }
  static fromMillis(ms) { return Duration.fromObject({ milliseconds: ms }); }
  static isDuration(value) { return value instanceof Duration; }
  get isValid() { return this.invalidReason === null; }
  toMillis() { return this.as('milliseconds'); }
  valueOf() { return this.toMillis(); }
  as(unit) { return this.shiftTo(unit).values[UNIT[unit] + 's'] || 0; }
  get(unit) { return this.values[UNIT[unit] + 's'] || 0; }
  toObject() { return { ...this.values }; }
  shiftTo(...units) {
    const wanted = units.map((u) => UNIT[u]).filter(Boolean);
    if (!wanted.length) return this;
    wanted.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    let total = 0;  // in casual milliseconds: a month is 30 days, a year 365
    for (const [key, value] of Object.entries(this.values)) total += value * casualMs(key.slice(0, -1));
    const out = {};
    wanted.forEach((unit, i) => {
      const size = casualMs(unit);
      const amount = i === wanted.length - 1 ? total / size : Math.trunc(total / size);
      out[unit + 's'] = amount;
      total -= amount * size;
    });
    return new Duration(out);
  }
  negate() {
    const out = {};
    for (const [k, v] of Object.entries(this.values)) out[k] = -v;
    return new Duration(out);
  }
  plus(other) {
    const add = Duration.isDuration(other) ? other.values : Duration.fromObject(other).values;
    const out = { ...this.values };
    for (const [k, v] of Object.entries(add)) out[k] = (out[k] || 0) + v;
    return new Duration(out);
  }
  minus(other) { return this.plus((Duration.isDuration(other) ? other : Duration.fromObject(other)).negate()); }
  toISO() {
    const v = this.values;
    let date = '', time = '';
    if (v.years) date += v.years + 'Y';
    if (v.quarters) date += v.quarters * 3 + 'M';
    if (v.months) date += v.months + 'M';
    if (v.weeks) date += v.weeks + 'W';
    if (v.days) date += v.days + 'D';
    if (v.hours) time += v.hours + 'H';
    if (v.minutes) time += v.minutes + 'M';
    if (v.seconds || v.milliseconds) time += Math.round(((v.seconds || 0) + (v.milliseconds || 0) / 1000) * 1000) / 1000 + 'S';
    if (!date && !time) return 'PT0S';
    return 'P' + date + (time ? 'T' + time : '');
  }
  toString() { return this.toISO(); }
  toJSON() { return this.toISO(); }
}
const casualMs = (unit) => ({
  year: 365 * MS.day, quarter: 91 * MS.day, month: 30 * MS.day,
}[unit] || MS[unit]);

function durationArg(value) {
  if (Duration.isDuration(value)) return value.values;
  if (typeof value === 'number') return { milliseconds: value };
  return Duration.fromObject(value).values;
}

class DateTime {
  constructor(ts, zone, invalid) {
    this.invalidReason = invalid || null;
    this.invalid = invalid ? { reason: invalid } : null;  // as Luxon keeps it (null when valid)
    this.ts = invalid ? NaN : ts;
    this.zone = zone;
    if (!invalid) {
      this.o = offsetAt(zone, ts);
      this.c = fields(ts + this.o * 6e4);
    }
  }
  static invalid(reason) { return new DateTime(NaN, S.zone, reason || 'invalid'); }
  static isDateTime(value) { return value instanceof DateTime; }
  static now() { return new DateTime(S.now, S.zone); }
  static fromMillis(ms, opts = {}) {
    if (typeof ms !== 'number') throw new TypeError(`fromMillis requires a numerical input, but received a ${typeof ms} with value ${ms}`);
    return make(ms, opts.zone);
  }
  static fromSeconds(s, opts = {}) {
    if (typeof s !== 'number') throw new TypeError('fromSeconds requires a numerical input');
    return make(s * 1000, opts.zone);
  }
  static fromJSDate(date, opts = {}) {
    const ts = date instanceof Date ? date.getTime() : NaN;
    return Number.isNaN(ts) ? DateTime.invalid('invalid input') : make(ts, opts.zone);
  }
  static fromObject(obj = {}, opts = {}) {
    const zone = normalizeZone(opts.zone);
    if (zone === null) return DateTime.invalid('unsupported zone');
    const now = new DateTime(S.now, zone);
    const has = (u) => obj[u] !== undefined || obj[u + 's'] !== undefined;
    const get = (u) => (obj[u] !== undefined ? obj[u] : obj[u + 's']);
    const c = { ...now.c };
    let reset = false;  // units below the largest one given start from their beginning
    for (const unit of ['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond']) {
      if (has(unit)) { c[unit] = get(unit); reset = true; } else if (reset) c[unit] = unit === 'month' || unit === 'day' ? 1 : 0;
    }
    return fromWall(c, zone);
  }
  static local(...args) { return fromParts(args, S.zone); }
  static utc(...args) { return fromParts(args, 'UTC'); }
  static fromISO(text, opts = {}) { return parseISO(String(text), opts); }
  static fromSQL(text, opts = {}) { return parseISO(String(text).replace(' ', 'T').replace(/ ([+-]\d\d:?\d\d|Z)$/, '$1'), opts); }
  static fromRFC2822(text, opts = {}) {
    const m = RFC2822.exec(String(text).trim());
    return m ? fromDate(Date.parse(m[1] + ' ' + zoneOffsetText(m[2])), opts, zoneOffsetText(m[2])) : DateTime.invalid('unparsable');
  }
  static fromHTTP(text, opts = {}) {
    const m = HTTP_DATE.exec(String(text).trim());
    return m ? fromDate(Date.parse(m[1] + ' GMT'), opts, '+0000') : DateTime.invalid('unparsable');
  }
  static fromFormat(text, format, opts = {}) { return parseFormat(String(text), String(format), opts); }

  get isValid() { return this.invalidReason === null; }
  get year() { return this.c ? this.c.year : NaN; }
  get month() { return this.c ? this.c.month : NaN; }
  get day() { return this.c ? this.c.day : NaN; }
  get hour() { return this.c ? this.c.hour : NaN; }
  get minute() { return this.c ? this.c.minute : NaN; }
  get second() { return this.c ? this.c.second : NaN; }
  get millisecond() { return this.c ? this.c.millisecond : NaN; }
  get weekday() { return this.c ? ((new Date(utcMs(this.year, this.month, this.day)).getUTCDay() + 6) % 7) + 1 : NaN; }
  get ordinal() { return this.c ? (utcMs(this.year, this.month, this.day) - utcMs(this.year, 1, 1)) / MS.day + 1 : NaN; }
  get quarter() { return this.c ? Math.ceil(this.month / 3) : NaN; }
  get weekNumber() { return isoWeek(this).week; }
  get weekYear() { return isoWeek(this).year; }
  get localWeekNumber() { return this.weekNumber; }
  get localWeekYear() { return this.weekYear; }
  get localWeekday() { return this.weekday; }
  get daysInMonth() { return daysInMonth(this.year, this.month); }
  get daysInYear() { return isLeap(this.year) ? 366 : 365; }
  get isInLeapYear() { return isLeap(this.year); }
  get weeksInWeekYear() { return isoWeek(DateTime.utc(this.weekYear, 12, 28)).week; }
  get offset() { return this.isValid ? this.o : NaN; }
  get zoneName() { return this.isValid ? this.zone : null; }
  get offsetNameShort() { return this.isValid ? offsetName(this, 0) : null; }
  get offsetNameLong() { return this.isValid ? offsetName(this, 2) : null; }
  get isOffsetFixed() { return this.zone === 'UTC' || this.zone.startsWith('UTC'); }
  get isInDST() {
    if (this.isOffsetFixed || !this.isValid) return false;
    return this.o > Math.min(offsetAt(this.zone, utcMs(this.year, 1, 1)), offsetAt(this.zone, utcMs(this.year, 7, 1)));
  }
  get isWeekend() { return this.weekday >= 6; }
  get monthLong() { return this.isValid ? MONTHS[this.month - 1] : null; }
  get monthShort() { return this.isValid ? MONTHS[this.month - 1].slice(0, 3) : null; }
  get weekdayLong() { return this.isValid ? DAYS[this.weekday - 1] : null; }
  get weekdayShort() { return this.isValid ? DAYS[this.weekday - 1].slice(0, 3) : null; }
  get locale() { return 'en-US'; }
  get(unit) { return this[unit]; }

  toMillis() { return this.ts; }
  toSeconds() { return this.ts / 1000; }
  toUnixInteger() { return Math.floor(this.ts / 1000); }
  valueOf() { return this.ts; }
  toJSDate() { return new Date(this.ts); }
  toObject() { return this.isValid ? { ...this.c } : {}; }
  equals(other) { return DateTime.isDateTime(other) && this.ts === other.ts && this.zone === other.zone; }
  hasSame(other, unit) { return this.isValid && other.isValid && +this.startOf(unit) === +other.setZone(this.zone).startOf(unit); }
  setZone(zone, opts = {}) {
    const name = normalizeZone(zone);
    if (name === null) return DateTime.invalid('unsupported zone');
    if (!this.isValid) return this;
    return opts.keepLocalTime || opts.keepCalendarTime ? fromWall(this.c, name) : new DateTime(this.ts, name);
  }
  toUTC(offset = 0, opts = {}) { return this.setZone(offset ? fixedName(offset) : 'UTC', opts); }
  toLocal() { return this.setZone(S.zone); }
  setLocale() { return this; }
  reconfigure() { return this; }
  set(values) {
    if (!this.isValid) return this;
    const c = { ...this.c };
    for (const [key, value] of Object.entries(values)) {
      const unit = UNIT[key] || key;
      if (unit === 'weekday') {
        return fromWall(c, this.zone).plus({ days: value - this.weekday });
      }
      if (!(unit in c)) throw new TypeError(`Invalid unit ${key}`);
      c[unit] = value;
    }
    return fromWall(c, this.zone);
  }
  plus(duration) {
    if (!this.isValid) return this;
    const v = durationArg(duration);
    const c = { ...this.c };
    const months = (v.years || 0) * 12 + (v.quarters || 0) * 3 + (v.months || 0);
    if (months) {
      const total = c.year * 12 + (c.month - 1) + Math.trunc(months);
      c.year = floorDiv(total, 12);
      c.month = total - c.year * 12 + 1;
      c.day = Math.min(c.day, daysInMonth(c.year, c.month));
    }
    const days = (v.weeks || 0) * 7 + (v.days || 0);
    let ts = (months || days) ? wallToTs(this.zone, utcMs(c.year, c.month, c.day, c.hour, c.minute, c.second, c.millisecond) + days * MS.day) : this.ts;
    ts += (v.hours || 0) * MS.hour + (v.minutes || 0) * MS.minute + (v.seconds || 0) * MS.second + (v.milliseconds || 0);
    return new DateTime(ts, this.zone);
  }
  minus(duration) {
    const v = durationArg(duration);
    const negated = {};
    for (const [k, x] of Object.entries(v)) negated[k] = -x;
    return this.plus(negated);
  }
  startOf(unit) {
    if (!this.isValid) return this;
    const u = UNIT[unit];
    if (!u) throw new TypeError(`Invalid unit ${unit}`);
    const c = { ...this.c };
    const order = ['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond'];
    const keep = u === 'quarter' ? 'month' : u === 'week' ? 'day' : u;
    for (const part of order.slice(order.indexOf(keep) + 1)) c[part] = part === 'month' || part === 'day' ? 1 : 0;
    if (u === 'quarter') c.month = (this.quarter - 1) * 3 + 1;
    let start = fromWall(c, this.zone);
    if (u === 'week') start = start.minus({ days: this.weekday - 1 });
    return start;
  }
  endOf(unit) {
    if (!this.isValid) return this;
    const u = UNIT[unit];
    return this.startOf(unit).plus({ [u + 's']: 1 }).minus({ milliseconds: 1 });
  }
  diff(other, units = 'milliseconds') {
    if (!this.isValid || !DateTime.isDateTime(other) || !other.isValid) return new Duration({}, 'invalid');
    const list = (Array.isArray(units) ? units : [units]).map((u) => {
      if (!UNIT[u]) throw new TypeError(`Invalid unit ${u}`);
      return UNIT[u];
    });
    list.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    const sign = this.ts < other.ts ? -1 : 1;
    let cursor = sign < 0 ? this : other.setZone(this.zone);
    const later = sign < 0 ? other : this;
    const out = {};
    list.forEach((unit, i) => {
      const last = i === list.length - 1;
      if (MS[unit] && unit !== 'week' && unit !== 'day') {  // time units: plain milliseconds
        const amount = (later.ts - cursor.ts) / MS[unit];
        out[unit + 's'] = last ? amount : Math.trunc(amount);
        cursor = new DateTime(cursor.ts + out[unit + 's'] * MS[unit], cursor.zone);
        return;
      }
      let whole = calendarCount(cursor, later, unit);
      cursor = cursor.plus({ [unit + 's']: whole });
      if (last) {
        const next = cursor.plus({ [unit + 's']: 1 });
        whole += (later.ts - cursor.ts) / (next.ts - cursor.ts);
      }
      out[unit + 's'] = whole;
    });
    for (const key of Object.keys(out)) out[key] = sign * out[key] || 0;
    return new Duration(out);
  }
  diffNow(units) { return this.diff(DateTime.now(), units); }
  until(other) { return Interval.fromDateTimes(this, other); }

  toISODate() { return this.isValid ? isoYear(this.year) + '-' + pad(this.month) + '-' + pad(this.day) : null; }
  toISOWeekDate() { return this.isValid ? isoYear(this.weekYear) + '-W' + pad(this.weekNumber) + '-' + this.weekday : null; }
  toISOTime(opts = {}) {
    if (!this.isValid) return null;
    let text = pad(this.hour) + ':' + pad(this.minute);
    if (!(opts.suppressSeconds && this.second === 0 && this.millisecond === 0)) {
      text += ':' + pad(this.second);
      if (!(opts.suppressMilliseconds && this.millisecond === 0)) text += '.' + pad(this.millisecond, 3);
    }
    if (opts.includeOffset !== false) text += offsetText(this, opts.extendedZone);
    return text;
  }
  toISO(opts = {}) { return this.isValid ? this.toISODate() + 'T' + this.toISOTime(opts) : null; }
  toSQLDate() { return this.toISODate(); }
  toSQLTime(opts = {}) {
    if (!this.isValid) return null;
    let text = pad(this.hour) + ':' + pad(this.minute) + ':' + pad(this.second) + '.' + pad(this.millisecond, 3);
    if (opts.includeOffset !== false) text += ' ' + (this.zone === 'UTC' && opts.includeZone ? 'UTC' : formatOffset(this.o, true));
    return text;
  }
  toSQL(opts = {}) { return this.isValid ? this.toISODate() + ' ' + this.toSQLTime(opts) : null; }
  toHTTP() { return this.isValid ? this.toUTC().toFormat("EEE, dd LLL yyyy HH:mm:ss 'GMT'") : null; }
  toRFC2822() { return this.isValid ? this.toFormat('EEE, dd LLL yyyy HH:mm:ss ZZZ') : null; }
  toString() { return this.isValid ? this.toISO() : 'Invalid DateTime'; }
  toJSON() { return this.toISO(); }
  toFormat(format) { return this.isValid ? formatDateTime(this, String(format)) : 'Invalid DateTime'; }
  toLocaleString(preset) { return this.isValid ? formatDateTime(this, presetFormat(preset || DateTime.DATE_SHORT)) : 'Invalid DateTime'; }
  toRelative(opts = {}) {
    if (!this.isValid) return null;
    const base = opts.base || DateTime.now();
    const seconds = (this.ts - base.ts) / 1000;
    const units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
    for (const [unit, size] of units) {
      const count = Math.trunc(seconds / size);
      if (Math.abs(count) >= 1 || unit === 'second') {
        const n = Math.abs(count);
        const words = `${n} ${unit}${n === 1 ? '' : 's'}`;
        return seconds < 0 ? `${words} ago` : `in ${words}`;
      }
    }
    return null;
  }
}
for (const [name, fmt] of Object.entries({
  DATE_SHORT: 'D', DATE_MED: 'DD', DATE_FULL: 'DDD', DATE_HUGE: 'DDDD', TIME_SIMPLE: 't',
  TIME_WITH_SECONDS: 'tt', TIME_24_SIMPLE: 'T', TIME_24_WITH_SECONDS: 'TT', DATETIME_SHORT: 'f',
  DATETIME_MED: 'ff', DATETIME_FULL: 'fff', DATETIME_HUGE: 'ffff', DATETIME_SHORT_WITH_SECONDS: 'F',
  DATETIME_MED_WITH_SECONDS: 'FF',
})) DateTime[name] = { preset: fmt };
const presetFormat = (preset) => (preset && preset.preset) || 'D';

const isoYear = (y) => (y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? '-' : '+') + pad(Math.abs(y), 6));
function make(ts, zoneOption) {
  const zone = normalizeZone(zoneOption);
  if (zone === null) return DateTime.invalid('unsupported zone');
  if (!Number.isFinite(ts) || Math.abs(ts) > 8.64e15) return DateTime.invalid('invalid input');
  return new DateTime(ts, zone);
}
function fromWall(c, zone) {
  const local = utcMs(c.year, c.month, c.day, c.hour, c.minute, c.second, c.millisecond);
  if (Number.isNaN(local)) return DateTime.invalid('invalid input');
  return new DateTime(wallToTs(zone, local), zone);
}
function fromParts(args, zone) {
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0] = args;
  if (year === undefined) return new DateTime(S.now, zone);
  return fromWall({ year, month, day, hour, minute, second, millisecond }, zone);
}
// RFC 2822 ("Tue, 01 Nov 2016 13:23:12 +0630") and HTTP ("Sun, 06 Nov 1994 08:49:37 GMT") dates.
const RFC2822 = /^((?:[A-Z][a-z]{2},\s*)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{2,4}\s+\d{2}:\d{2}(?::\d{2})?)\s+([+-]\d{4}|UT|GMT|[ECMP][SD]T|Z)$/;
const HTTP_DATE = /^((?:[A-Z][a-z]{2},\s+)\d{2}[ -][A-Z][a-z]{2}[ -]\d{2,4}\s+\d{2}:\d{2}:\d{2})\s+GMT$/;
const NAMED_OFFSETS = { UT: '+0000', GMT: '+0000', Z: '+0000', EST: '-0500', EDT: '-0400', CST: '-0600', CDT: '-0500', MST: '-0700', MDT: '-0600', PST: '-0800', PDT: '-0700' };
const zoneOffsetText = (zone) => NAMED_OFFSETS[zone] || zone;
function fromDate(ts, opts, offset) {
  if (Number.isNaN(ts)) return DateTime.invalid('unparsable');
  if (!opts.setZone) return make(ts, opts.zone);
  const minutes = (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  return make(ts, minutes === 0 ? 'UTC' : fixedName(minutes));
}
function calendarCount(from, to, unit) {
  const months = { year: 12, quarter: 3, month: 1 }[unit];
  let count;
  if (months) {
    count = Math.trunc(((to.year - from.year) * 12 + (to.month - from.month)) / months);
  } else {
    count = Math.trunc((utcMs(to.year, to.month, to.day) - utcMs(from.year, from.month, from.day)) / MS[unit]);
  }
  while (count > 0 && from.plus({ [unit + 's']: count }).ts > to.ts) count -= 1;
  return count;
}
function isoWeek(dt) {
  if (!dt.isValid) return { week: NaN, year: NaN };
  const thursday = utcMs(dt.year, dt.month, dt.day) + (4 - dt.weekday) * MS.day;
  const year = new Date(thursday).getUTCFullYear();
  return { week: Math.floor((thursday - utcMs(year, 1, 1)) / MS.week) + 1, year };
}
const formatOffset = (o, colon = true, short = false) => {
  const sign = o < 0 ? '-' : '+';
  const h = Math.floor(Math.abs(o) / 60), m = Math.abs(o) % 60;
  if (short) return sign + h + (m ? ':' + pad(m) : '');
  return sign + pad(h) + (colon ? ':' : '') + pad(m);
};
const offsetText = (dt, extended) => (dt.zone === 'UTC' ? 'Z' : formatOffset(dt.o)) + (extended && dt.zone !== 'UTC' && !dt.isOffsetFixed ? '[' + dt.zone + ']' : '');
// en-US names of the zones people use most (Intl's answers); others are GMT+h / GMT+hh:mm.
const ZONE_TEXT = {
  'America/New_York': ['EST', 'EDT', 'Eastern Standard Time', 'Eastern Daylight Time'],
  'America/Chicago': ['CST', 'CDT', 'Central Standard Time', 'Central Daylight Time'],
  'America/Denver': ['MST', 'MDT', 'Mountain Standard Time', 'Mountain Daylight Time'],
  'America/Phoenix': ['MST', 'MST', 'Mountain Standard Time', 'Mountain Standard Time'],
  'America/Los_Angeles': ['PST', 'PDT', 'Pacific Standard Time', 'Pacific Daylight Time'],
  'America/Anchorage': ['AKST', 'AKDT', 'Alaska Standard Time', 'Alaska Daylight Time'],
  'Pacific/Honolulu': ['HST', 'HST', 'Hawaii-Aleutian Standard Time', 'Hawaii-Aleutian Standard Time'],
  'Europe/London': ['GMT', 'GMT+1', 'Greenwich Mean Time', 'British Summer Time'],
  'Europe/Dublin': ['GMT', 'GMT+1', 'Greenwich Mean Time', 'Irish Standard Time'],
  'Europe/Lisbon': ['GMT', 'GMT+1', 'Western European Standard Time', 'Western European Summer Time'],
  'Europe/Berlin': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Paris': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Madrid': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Rome': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Amsterdam': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Warsaw': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Prague': ['GMT+1', 'GMT+2', 'Central European Standard Time', 'Central European Summer Time'],
  'Europe/Kiev': ['GMT+2', 'GMT+3', 'Eastern European Standard Time', 'Eastern European Summer Time'],
  'Europe/Kyiv': ['GMT+2', 'GMT+3', 'Eastern European Standard Time', 'Eastern European Summer Time'],
  'Europe/Athens': ['GMT+2', 'GMT+3', 'Eastern European Standard Time', 'Eastern European Summer Time'],
  'Europe/Helsinki': ['GMT+2', 'GMT+3', 'Eastern European Standard Time', 'Eastern European Summer Time'],
  'Europe/Moscow': ['GMT+3', 'GMT+3', 'Moscow Standard Time', 'Moscow Summer Time'],
  'Europe/Istanbul': ['GMT+3', 'GMT+3', 'GMT+03:00', 'GMT+03:00'],
  'Asia/Tokyo': ['GMT+9', 'GMT+9', 'Japan Standard Time', 'Japan Daylight Time'],
  'Asia/Shanghai': ['GMT+8', 'GMT+8', 'China Standard Time', 'China Daylight Time'],
  'Asia/Kolkata': ['GMT+5:30', 'GMT+5:30', 'India Standard Time', 'India Standard Time'],
  'Asia/Dubai': ['GMT+4', 'GMT+4', 'Gulf Standard Time', 'Gulf Standard Time'],
  'Asia/Singapore': ['GMT+8', 'GMT+8', 'Singapore Standard Time', 'Singapore Standard Time'],
  'Australia/Sydney': ['GMT+10', 'GMT+11', 'Australian Eastern Standard Time', 'Australian Eastern Daylight Time'],
  UTC: ['UTC', 'UTC', 'UTC', 'UTC'],
};
function offsetName(dt, long) {
  const names = ZONE_TEXT[dt.zone];
  if (names) return names[long + (dt.isInDST ? 1 : 0)];
  if (dt.o === 0) return 'GMT';
  return 'GMT' + (long ? formatOffset(dt.o) : formatOffset(dt.o, true, true));
}

const MACROS = {
  D: 'M/d/yyyy', DD: 'LLL d, yyyy', DDD: 'LLLL d, yyyy', DDDD: 'EEEE, LLLL d, yyyy',
  t: 'h:mm a', tt: 'h:mm:ss a', ttt: 'h:mm:ss a ZZZZ', tttt: 'h:mm:ss a ZZZZZ', T: 'HH:mm',
  TT: 'HH:mm:ss', TTT: 'HH:mm:ss ZZZZ', TTTT: 'HH:mm:ss ZZZZZ', f: 'M/d/yyyy, h:mm a',
  ff: 'LLL d, yyyy, h:mm a', fff: "LLLL d, yyyy 'at' h:mm a ZZZZ", ffff: "EEEE, LLLL d, yyyy 'at' h:mm a ZZZZZ",
  F: 'M/d/yyyy, h:mm:ss a', FF: 'LLL d, yyyy, h:mm:ss a', FFF: "LLLL d, yyyy 'at' h:mm:ss a ZZZZ",
  FFFF: "EEEE, LLLL d, yyyy 'at' h:mm:ss a ZZZZZ",
};
function tokens(format) {
  const out = [];
  for (let i = 0; i < format.length;) {
    const ch = format[i];
    if (ch === "'") {
      const end = format.indexOf("'", i + 1);
      const stop = end < 0 ? format.length : end;
      out.push({ literal: true, text: end === i + 1 ? "'" : format.slice(i + 1, stop) });
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < format.length && format[j] === ch) j++;
    out.push({ literal: !/[A-Za-z]/.test(ch), text: format.slice(i, j) });
    i = j;
  }
  return out;
}
function formatDateTime(dt, format) {
  return tokens(format).map(({ literal, text }) => (literal ? text : formatToken(dt, text))).join('');
}
function formatToken(dt, t) {
  if (MACROS[t]) return formatDateTime(dt, MACROS[t]);
  const h12 = dt.hour % 12 === 0 ? 12 : dt.hour % 12;
  switch (t) {
    case 'S': return String(dt.millisecond);
    case 'SSS': return pad(dt.millisecond, 3);
    case 'u': return pad(dt.millisecond, 3);
    case 'uu': return pad(Math.floor(dt.millisecond / 10), 2);
    case 'uuu': return String(Math.floor(dt.millisecond / 100));
    case 's': return String(dt.second);
    case 'ss': return pad(dt.second);
    case 'm': return String(dt.minute);
    case 'mm': return pad(dt.minute);
    case 'h': return String(h12);
    case 'hh': return pad(h12);
    case 'H': return String(dt.hour);
    case 'HH': return pad(dt.hour);
    case 'Z': return dt.zone === 'UTC' ? '+0' : formatOffset(dt.o, true, true);
    case 'ZZ': return formatOffset(dt.o);
    case 'ZZZ': return formatOffset(dt.o, false);
    case 'ZZZZ': return dt.offsetNameShort;
    case 'ZZZZZ': return dt.offsetNameLong;
    case 'z': return dt.zone;
    case 'a': return dt.hour < 12 ? 'AM' : 'PM';
    case 'd': return String(dt.day);
    case 'dd': return pad(dt.day);
    case 'c': case 'E': return String(dt.weekday);
    case 'ccc': case 'EEE': return dt.weekdayShort;
    case 'cccc': case 'EEEE': return dt.weekdayLong;
    case 'ccccc': case 'EEEEE': return dt.weekdayLong[0];
    case 'L': case 'M': return String(dt.month);
    case 'LL': case 'MM': return pad(dt.month);
    case 'LLL': case 'MMM': return dt.monthShort;
    case 'LLLL': case 'MMMM': return dt.monthLong;
    case 'LLLLL': case 'MMMMM': return dt.monthLong[0];
    case 'y': return String(dt.year);
    case 'yy': return pad(dt.year % 100);
    case 'yyyy': return pad(dt.year, 4);
    case 'yyyyyy': return pad(dt.year, 6);
    case 'kk': return pad(dt.weekYear % 100);
    case 'kkkk': return pad(dt.weekYear, 4);
    case 'W': case 'n': return String(dt.weekNumber);
    case 'WW': case 'nn': return pad(dt.weekNumber);
    case 'ii': return pad(dt.weekYear % 100);
    case 'iiii': return pad(dt.weekYear, 4);
    case 'o': return String(dt.ordinal);
    case 'ooo': return pad(dt.ordinal, 3);
    case 'q': return String(dt.quarter);
    case 'qq': return pad(dt.quarter);
    case 'X': return String(Math.floor(dt.ts / 1000));
    case 'x': return String(dt.ts);
    case 'G': return dt.year > 0 ? 'AD' : 'BC';
    case 'GG': return dt.year > 0 ? 'Anno Domini' : 'Before Christ';
    case 'GGGGG': return dt.year > 0 ? 'A' : 'B';
    default: return t;
  }
}

// ISO 8601: dates (calendar, ordinal, week), times, offsets; a bare time is today.
const ISO = /^([+-]\d{6}|\d{4})(?:-?(\d{2})(?:-?(\d{2}))?|-?W(\d{2})(?:-?(\d))?|-?(\d{3}))?(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,30}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?(?:\[([^\]]+)\])?$/i;
function parseISO(text, opts) {
  const m = ISO.exec(text);
  if (!m || (m[11] && !m[7])) {
    const time = /^(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
    if (!time) return DateTime.invalid('unparsable');
    const today = DateTime.now().setZone(opts.zone);
    return parseISO(today.toISODate() + 'T' + text, opts);
  }
  let c;
  if (m[4]) {
    const year = Number(m[1]);
    const jan4 = utcMs(year, 1, 4);
    const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * MS.day;
    const day = fields(monday + ((Number(m[4]) - 1) * 7 + (Number(m[5] || 1) - 1)) * MS.day);
    c = { year: day.year, month: day.month, day: day.day };
  } else if (m[6]) {
    const day = fields(utcMs(Number(m[1]), 1, 1) + (Number(m[6]) - 1) * MS.day);
    c = { year: day.year, month: day.month, day: day.day };
  } else {
    c = { year: Number(m[1]), month: Number(m[2] || 1), day: Number(m[3] || 1) };
  }
  c.hour = Number(m[7] || 0);
  c.minute = Number(m[8] || 0);
  c.second = Number(m[9] || 0);
  c.millisecond = m[10] ? Math.floor(Number('0.' + m[10]) * 1000) : 0;
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > daysInMonth(c.year, c.month)
    || c.hour > 24 || c.minute > 59 || c.second > 59 || (c.hour === 24 && (c.minute || c.second || c.millisecond))) {
    return DateTime.invalid('unit out of range');
  }
  return resolveParsed(c, m[11], opts);
}
function resolveParsed(c, offsetText, opts) {
  const zone = normalizeZone(opts.zone);
  if (zone === null) return DateTime.invalid('unsupported zone');
  const local = utcMs(c.year, c.month, c.day, c.hour, c.minute, c.second, c.millisecond);
  if (offsetText) {
    let minutes = 0;
    if (offsetText.toUpperCase() !== 'Z') {
      const o = /([+-])(\d{2}):?(\d{2})?/.exec(offsetText);
      minutes = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3] || 0));
    }
    const ts = local - minutes * 6e4;
    return new DateTime(ts, opts.setZone ? (minutes === 0 ? 'UTC' : fixedName(minutes)) : zone);
  }
  return new DateTime(wallToTs(zone, local), zone);
}

// Luxon's fromFormat for the tokens people use (English names only).
function parseFormat(text, format, opts) {
  let pattern = '^';
  const setters = [];
  const group = (re, set) => { pattern += '(' + re + ')'; setters.push(set); };
  const names = (list) => list.join('|');
  for (const { literal, text: t } of tokens(format)) {
    if (literal) { pattern += t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    const macro = MACROS[t];
    if (macro) return parseFormat(text, format.replace(t, macro), opts);
    switch (t) {
      case 'yyyy': group('\\d{4}', (c, v) => { c.year = +v; }); break;
      case 'yy': group('\\d{2}', (c, v) => { c.year = 2000 + +v > 2060 ? 1900 + +v : 2000 + +v; }); break;
      case 'y': group('\\d{1,6}', (c, v) => { c.year = +v; }); break;
      case 'MM': case 'LL': group('\\d{2}', (c, v) => { c.month = +v; }); break;
      case 'M': case 'L': group('\\d{1,2}', (c, v) => { c.month = +v; }); break;
      case 'MMM': case 'LLL': group(names(MONTHS.map((n) => n.slice(0, 3))), (c, v) => { c.month = MONTHS.findIndex((n) => n.slice(0, 3).toLowerCase() === v.toLowerCase()) + 1; }); break;
      case 'MMMM': case 'LLLL': group(names(MONTHS), (c, v) => { c.month = MONTHS.findIndex((n) => n.toLowerCase() === v.toLowerCase()) + 1; }); break;
      case 'dd': group('\\d{2}', (c, v) => { c.day = +v; }); break;
      case 'd': group('\\d{1,2}', (c, v) => { c.day = +v; }); break;
      case 'HH': case 'hh': group('\\d{2}', (c, v) => { c.hour = +v; }); break;
      case 'H': case 'h': group('\\d{1,2}', (c, v) => { c.hour = +v; }); break;
      case 'mm': group('\\d{2}', (c, v) => { c.minute = +v; }); break;
      case 'm': group('\\d{1,2}', (c, v) => { c.minute = +v; }); break;
      case 'ss': group('\\d{2}', (c, v) => { c.second = +v; }); break;
      case 's': group('\\d{1,2}', (c, v) => { c.second = +v; }); break;
      case 'SSS': case 'u': group('\\d{3}', (c, v) => { c.millisecond = +v; }); break;
      case 'S': group('\\d{1,3}', (c, v) => { c.millisecond = +v; }); break;
      case 'a': group('AM|PM|am|pm', (c, v) => { c.meridiem = v.toUpperCase(); }); break;
      case 'EEE': case 'ccc': group(names(DAYS.map((n) => n.slice(0, 3))), () => {}); break;
      case 'EEEE': case 'cccc': group(names(DAYS), () => {}); break;
      case 'X': group('-?\\d+', (c, v) => { c.ts = +v * 1000; }); break;
      case 'x': group('-?\\d+', (c, v) => { c.ts = +v; }); break;
      case 'Z': case 'ZZ': case 'ZZZ': group('Z|[+-]\\d{1,2}(?::?\\d{2})?', (c, v) => { c.offset = v; }); break;
      case 'z': group('[A-Za-z_]+(?:/[A-Za-z_+\\-]+)*', (c, v) => { c.zone = v; }); break;
      default: pattern += t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  const m = new RegExp(pattern + '$', 'i').exec(text);
  if (!m) return DateTime.invalid('unparsable');
  const now = DateTime.now().setZone(opts.zone);
  const c = { year: now.year, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  setters.forEach((set, i) => set(c, m[i + 1]));
  if (c.ts !== undefined) return make(c.ts, opts.zone);
  if (c.meridiem === 'PM' && c.hour < 12) c.hour += 12;
  if (c.meridiem === 'AM' && c.hour === 12) c.hour = 0;
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > daysInMonth(c.year, c.month) || c.hour > 23 || c.minute > 59 || c.second > 59) {
    return DateTime.invalid('unit out of range');
  }
  const zoneOpts = c.zone ? { ...opts, zone: c.zone } : opts;
  const offset = c.offset && /^[+-]\d{1,2}$/.test(c.offset) ? c.offset[0] + pad(Number(c.offset.slice(1))) : c.offset;
  return resolveParsed(c, offset, zoneOpts);
}

// What Luxon accepts where it wants a DateTime: a DateTime, a Date, milliseconds, an object.
function friendly(value) {
  if (DateTime.isDateTime(value)) return value;
  if (value instanceof Date) return DateTime.fromJSDate(value);
  if (typeof value === 'number') return DateTime.fromMillis(value);
  if (value && typeof value === 'object') return DateTime.fromObject(value);
  throw new TypeError(`Unknown datetime argument: ${value}, of type ${typeof value}`);
}

class Interval {
  constructor(start, end) {
    this.start = start;
    this.end = end;
    this.invalidReason = start.isValid && end.isValid && end >= start ? null : 'invalid interval';
  }
  static fromDateTimes(start, end) { return new Interval(friendly(start), friendly(end)); }
  static after(start, duration) { return new Interval(friendly(start), friendly(start).plus(duration)); }
  static before(end, duration) { return new Interval(friendly(end).minus(duration), friendly(end)); }
  static isInterval(value) { return value instanceof Interval; }
  get isValid() { return this.invalidReason === null; }
  toDuration(unit = 'milliseconds') { return this.isValid ? this.end.diff(this.start, unit) : new Duration({}, 'invalid'); }
  length(unit = 'milliseconds') { return this.isValid ? this.toDuration(unit).as(unit) : NaN; }
  contains(dt) { return this.isValid && this.start <= dt && dt < this.end; }
  isAfter(dt) { return this.isValid && this.start > dt; }
  isBefore(dt) { return this.isValid && this.end <= dt; }
  overlaps(other) { return this.end > other.start && this.start < other.end; }
  count(unit = 'milliseconds') { return this.isValid ? Math.floor(this.length(unit)) + 1 : NaN; }
  toISO() { return this.isValid ? `${this.start.toISO()}/${this.end.toISO()}` : 'Invalid Interval'; }
  toString() { return this.isValid ? `[${this.start.toISO()} – ${this.end.toISO()})` : 'Invalid Interval'; }
  toJSON() { return this.toISO(); }
}
