// n8n's extension functions ("abc".toTitleCase(), [1, 2].sum(), $now.format('yyyy'), …), written
// for this sandbox from the behaviour n8n-workflow 1.95 documents and shows. A call
// `x.name(args)` of a name below is rewritten (by expressions/jscode.py) into extend(x, 'name', [args]).
'use strict';

class ExpressionError extends Error {
  constructor(message, description) {
    super(message);
    this.name = 'ExpressionError';
    if (description) this.description = description;
  }
}
const fail = (message, description) => { throw new ExpressionError(message, description); };

const isObject = (v) => v !== null && typeof v === 'object';
function deepEqual(a, b) {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (DateTime.isDateTime(a) || a instanceof Date) return +a === +b;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}
const uniqueBy = (list, same) => list.filter((v, i) => list.findIndex((w) => same(v, w)) === i);

// ---------------------------------------------------------------- strings
const DOMAIN_PART = '(?:(?:[-\\w]+\\.)+(?:[a-zA-Z]{2,}|xn--[a-zA-Z0-9]+)|localhost|\\d{1,3}(?:\\.\\d{1,3}){3})';
const URL_TAIL = '(?::\\d+)?(?:\\/[^\\s?#]*)?(?:\\?[^\\s#]*)?#?[^\\s]*';
const URL_EXACT = new RegExp(`^(?:https?|ftp):\\/\\/(?:www\\.)?${DOMAIN_PART}${URL_TAIL}$`, 'i');
const URL_ANY = new RegExp(`(?:https?|ftp):\\/\\/(?:www\\.)?${DOMAIN_PART}${URL_TAIL}`, 'i');
const DOMAIN = new RegExp(`^(?:www\\.)?(${DOMAIN_PART})(?::\\d+)?(?:\\/[^\\s?]*)?(?:\\?[^\\s#]*)?(?:#[^\\s]*)?$`, 'i');
const DOMAIN_IN_URL = new RegExp(`^(?:(?:https?|ftp):\\/\\/)?(?:mailto:)?(?:\\/\\/)?((?:www\\.)?${DOMAIN_PART})(?::\\d+)?(?:\\/[^\\s?]*)?(?:\\?[^\\s#]*)?(?:#[^\\s]*)?$`, 'i');
const EMAIL = /(?:[^<>()[\]\\.,;:\s@"]+(?:\.[^<>()[\]\\.,;:\s@"]+)*|".+")@(\[\d{1,3}(?:\.\d{1,3}){3}]|(?:[a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,})/;
// Currency signs that toNumber()/toInt()/toFloat() drop before converting (n8n's list).
const CURRENCY = /(Lek|؋|\$|ƒ|₼|Br|BZ\$|\$b|KM|P|лв|R\$|៛|¥|₡|kn|₱|Kč|kr|RD\$|£|€|¢|Q|L|Ft|₹|Rp|﷼|₪|J\$|₩|₭|ден|RM|₨|₮|MT|C\$|₦|B\/\.|Gs|S\/\.|zł|lei|₽|Дин\.|S|R|CHF|NT\$|฿|TT\$|₺|₴|\$U|Bs|₫|Z\$)/gu;

function utf8(text) {
  const bytes = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return bytes;
}
function fromUtf8(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    let c = n === 1 ? b : b & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) c = (c << 6) | (bytes[i + k] & 63);
    out += String.fromCodePoint(c);
    i += n;
  }
  return out;
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64Encode(text) {
  const b = utf8(String(text));
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
  }
  return out;
}
function base64Decode(text) {
  const clean = String(text).replace(/[^A-Za-z0-9+/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const bytes = [];
  for (let i = 0; i < clean.length; i += 4) {
    const n = [0, 1, 2, 3].reduce((acc, k) => (acc << 6) | (clean[i + k] ? B64.indexOf(clean[i + k]) : 0), 0);
    bytes.push(n >> 16);
    if (clean[i + 2]) bytes.push((n >> 8) & 255);
    if (clean[i + 3]) bytes.push(n & 255);
  }
  return fromUtf8(bytes);
}
function md5(text) {
  const bytes = utf8(text);
  const words = [];
  const length = bytes.length;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  for (let i = 0; i < 8; i++) bytes.push(i < 4 ? ((length * 8) >>> (i * 8)) & 255 : i === 4 ? Math.floor(length / 0x20000000) & 255 : 0);
  for (let i = 0; i < bytes.length; i += 4) words.push(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
  const R = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  let [a0, b0, c0, d0] = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
  for (let block = 0; block < words.length; block += 16) {
    let [a, b, c, d] = [a0, b0, c0, d0];
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      const f = [(b & c) | (~b & d), (d & b) | (~d & c), b ^ c ^ d, c ^ (b | ~d)][round];
      const g = [i, (5 * i + 1) % 16, (3 * i + 5) % 16, (7 * i) % 16][round];
      const sum = (a + f + K[i] + words[block + g]) | 0;
      const s = R[round * 4 + (i % 4)];
      [a, d, c] = [d, c, b];
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    [a0, b0, c0, d0] = [(a0 + a) | 0, (b0 + b) | 0, (c0 + c) | 0, (d0 + d) | 0];
  }
  return [a0, b0, c0, d0].map((w) => [0, 8, 16, 24].map((s) => ((w >>> s) & 255).toString(16).padStart(2, '0')).join('')).join('');
}
function sha(text, bits) {
  const bytes = utf8(text);
  const length = bytes.length;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  const high = Math.floor(length / 0x20000000), low = (length * 8) >>> 0;
  bytes.push(0, 0, 0, high & 255, low >>> 24, (low >>> 16) & 255, (low >>> 8) & 255, low & 255);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  const rotl = (x, n) => (x << n) | (x >>> (32 - n));
  let h;
  if (bits === 1) h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  else if (bits === 224) h = [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4];
  else h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const primes = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p)) primes.push(n);
  const K = primes.map((p) => (Math.cbrt(p) % 1) * 2 ** 32 | 0);
  for (let i = 0; i < bytes.length; i += 64) {
    const w = [];
    for (let t = 0; t < 16; t++) w[t] = (bytes[i + 4 * t] << 24) | (bytes[i + 4 * t + 1] << 16) | (bytes[i + 4 * t + 2] << 8) | bytes[i + 4 * t + 3];
    let [a, b, c, d, e, f, g, hh] = h;
    if (bits === 1) {
      for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
      for (let t = 0; t < 80; t++) {
        const [fn, k] = t < 20 ? [(b & c) | (~b & d), 0x5a827999] : t < 40 ? [b ^ c ^ d, 0x6ed9eba1] : t < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
        const tmp = (rotl(a, 5) + fn + e + k + w[t]) | 0;
        [e, d, c, b, a] = [d, c, rotl(b, 30), a, tmp];
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e].map((x) => x | 0);
      continue;
    }
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
    }
    h = [a, b, c, d, e, f, g, hh].map((x, k) => (h[k] + x) | 0);
  }
  const out = h.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  return bits === 224 ? out.slice(0, 56) : out;
}
// SHA-384/512 and SHA3-512 on 64-bit lanes (BigInt).
const MASK64 = (1n << 64n) - 1n;
function iroot(n, k) {  // floor(n ** (1 / k)) for BigInt n
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / k));
  for (;;) {
    const y = ((BigInt(k) - 1n) * x + n / x ** (BigInt(k) - 1n)) / BigInt(k);
    if (y >= x) return x;
    x = y;
  }
}
const PRIMES80 = [];
for (let n = 2; PRIMES80.length < 80; n++) if (PRIMES80.every((p) => n % p)) PRIMES80.push(n);
let SHA512_K = null;
function sha512(text, bits) {
  if (!SHA512_K) SHA512_K = PRIMES80.map((p) => iroot(BigInt(p) << 192n, 3) & MASK64);
  const start = bits === 384 ? PRIMES80.slice(8, 16) : PRIMES80.slice(0, 8);
  let h = start.map((p) => iroot(BigInt(p) << 128n, 2) & MASK64);
  const bytes = utf8(text);
  const length = BigInt(bytes.length) * 8n;
  bytes.push(0x80);
  while (bytes.length % 128 !== 112) bytes.push(0);
  for (let i = 15; i >= 0; i--) bytes.push(Number((length >> BigInt(i * 8)) & 255n));
  const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & MASK64;
  for (let i = 0; i < bytes.length; i += 128) {
    const w = [];
    for (let t = 0; t < 16; t++) {
      let word = 0n;
      for (let b = 0; b < 8; b++) word = (word << 8n) | BigInt(bytes[i + t * 8 + b]);
      w.push(word);
    }
    for (let t = 16; t < 80; t++) {
      const s0 = rotr(w[t - 15], 1n) ^ rotr(w[t - 15], 8n) ^ (w[t - 15] >> 7n);
      const s1 = rotr(w[t - 2], 19n) ^ rotr(w[t - 2], 61n) ^ (w[t - 2] >> 6n);
      w.push((w[t - 16] + s0 + w[t - 7] + s1) & MASK64);
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 80; t++) {
      const t1 = (hh + (rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n)) + ((e & f) ^ (~e & MASK64 & g)) + SHA512_K[t] + w[t]) & MASK64;
      const t2 = ((rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c))) & MASK64;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) & MASK64, c, b, a, (t1 + t2) & MASK64];
    }
    h = [a, b, c, d, e, f, g, hh].map((x, k) => (h[k] + x) & MASK64);
  }
  return h.map((x) => x.toString(16).padStart(16, '0')).join('').slice(0, bits / 4);
}
function sha3_512(text) {
  const rate = 72;
  const bytes = utf8(text);
  bytes.push(0x06);
  while (bytes.length % rate !== 0) bytes.push(0);
  bytes[bytes.length - 1] |= 0x80;
  const state = new Array(25).fill(0n);
  const rotl = (x, n) => (n === 0n ? x : ((x << n) | (x >> (64n - n))) & MASK64);
  const offsets = new Array(25).fill(0n);
  for (let t = 0, x = 1, y = 0; t < 24; t++) {  // rotation offsets along the (x, y) walk
    offsets[x + 5 * y] = BigInt((((t + 1) * (t + 2)) / 2) % 64);
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  const rc = [];
  let r = 1;
  for (let round = 0; round < 24; round++) {  // round constants from the degree-8 LFSR
    let c = 0n;
    for (let j = 0; j < 7; j++) {
      if (r & 1) c |= 1n << BigInt(2 ** j - 1);
      r = r & 0x80 ? ((r << 1) ^ 0x71) & 0xff : (r << 1) & 0xff;
    }
    rc.push(c);
  }
  for (let i = 0; i < bytes.length; i += rate) {
    for (let lane = 0; lane < rate / 8; lane++) {
      let word = 0n;
      for (let b = 7; b >= 0; b--) word = (word << 8n) | BigInt(bytes[i + lane * 8 + b]);
      state[lane] ^= word;
    }
    for (let round = 0; round < 24; round++) {
      const c = [0, 1, 2, 3, 4].map((x) => state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20]);
      const d = [0, 1, 2, 3, 4].map((x) => c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1n));
      for (let k = 0; k < 25; k++) state[k] ^= d[k % 5];
      const b = new Array(25);
      for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(state[x + 5 * y], offsets[x + 5 * y]);
      for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) state[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & MASK64 & b[(x + 2) % 5 + 5 * y]);
      state[0] ^= rc[round];
    }
  }
  let out = '';
  for (let lane = 0; lane < 8; lane++) for (let b = 0; b < 8; b++) out += Number((state[lane] >> BigInt(8 * b)) & 255n).toString(16).padStart(2, '0');
  return out;
}
const HASHES = {
  md5, sha1: (t) => sha(t, 1), sha224: (t) => sha(t, 224), sha256: (t) => sha(t, 256),
  sha384: (t) => sha512(t, 384), sha512: (t) => sha512(t, 512), sha3: sha3_512, base64: base64Encode,
};

function titleCase(text) {
  const small = /^(a|an|and|as|at|but|by|en|for|if|in|nor|of|on|or|per|the|to|v\.?|vs\.?|via)$/i;
  return text.replace(/[^\s\-\u2013\u2014:]+/g, (word, index) => {
    const start = index === 0 || /[:\u2013\u2014-]\s*$/.test(text.slice(0, index));
    if (!start && small.test(word)) return word;
    if (/[A-Z]/.test(word.slice(1)) || /[.\/@]/.test(word.slice(1))) return word;
    const at = word.search(/\p{L}|\d/u);
    return at < 0 ? word : word.slice(0, at) + word[at].toUpperCase() + word.slice(at + 1);
  });
}
function sentenceCase(text) {
  let rest = text, out = '';
  while (/\p{L}/u.test(rest)) {
    const at = rest.search(/\p{L}/u);
    rest = rest.slice(0, at) + rest[at].toLocaleUpperCase() + rest.slice(at + 1).toLocaleLowerCase();
    const stop = rest.search(/[!?.]/);
    if (stop < 0) return out + rest;
    out += rest.slice(0, stop + 1);
    rest = rest.slice(stop + 1);
  }
  return out;
}
const TRANSLIT = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'yo', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k',
  л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts',
  ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya', ß: 'ss', æ: 'ae',
  ø: 'o', œ: 'oe', ł: 'l', đ: 'd', þ: 'th',
};
function replaceSpecialChars(text) {
  return Array.from(text.normalize('NFD').replace(/[\u0300-\u036f]/g, '')).map((ch) => {
    const lower = ch.toLowerCase();
    if (lower in TRANSLIT) {
      const t = TRANSLIT[lower];
      return ch === lower ? t : t.charAt(0).toUpperCase() + t.slice(1);
    }
    return ch.charCodeAt(0) < 128 ? ch : '?';
  }).join('');
}
function parseDateTimeText(text) {
  const value = String(text).trim();
  for (const parse of [DateTime.fromISO, DateTime.fromHTTP, DateTime.fromRFC2822, DateTime.fromSQL]) {
    const dt = parse(value, { setZone: true });
    if (dt.isValid) return dt;
  }
  const ts = Date.parse(value);
  if (!Number.isNaN(ts)) return DateTime.fromMillis(ts);
  fail('cannot convert to Luxon DateTime');
}
const currencyless = (v) => v.replace(CURRENCY, '');

const stringExtensions = {
  hash(v, [algorithm = 'md5']) {
    const fn = HASHES[String(algorithm).toLowerCase()];
    if (!fn) fail(`Unknown algorithm ${algorithm}. Available algorithms are: md5,sha1,sha224,sha256,sha384,sha512,sha3, and Base64.`);
    return fn(v);
  },
  removeMarkdown(v) {
    return v.replace(/^([\s\t]*)([*\-+]|\d\.)\s+/gm, '$1').replace(/\n={2,}/g, '\n').replace(/~~/g, '')
      .replace(/`{3}.*\n/g, '').replace(/<[\w|\s|=|'|"|:|(|)|,|;|/|0-9|.|-]+[>|\\>]/g, '')
      .replace(/^[=-]{2,}\s*$/g, '').replace(/\[\^.+?\](: .*?$)?/g, '').replace(/\s{0,2}\[.*?\]: .*?$/g, '')
      .replace(/!\[.*?\][[(].*?[\])]/g, '').replace(/\[(.*?)\][[(].*?[\])]/g, '$1').replace(/>/g, '')
      .replace(/^\s{1,2}\[(.*?)\]: (\S+)( ".*?")?\s*$/g, '').replace(/^#{1,6}\s*([^#]*)\s*(#{1,6})?/gm, '$1')
      .replace(/([*_]{1,3})(\S.*?\S)\1/g, '$2').replace(/(`{3,})(.*?)\1/gm, '$2').replace(/^-{3,}\s*$/g, '')
      .replace(/`(.+?)`/g, '$1').replace(/\n{2,}/g, '\n\n');
  },
  removeTags: (v) => v.replace(/<[^>]*>?/gm, ''),
  toDate(v) {
    const date = new Date(Date.parse(v));
    if (Number.isNaN(date.getTime())) fail('cannot convert to date');
    if (!/:/.test(v)) date.setHours(0, 0, 0);
    return date;
  },
  toDateTime(v, [format]) {
    if (format === 'ms' || format === 's' || format === 'us' || format === 'excel') return numberExtensions.toDateTime(Number(v), [format]);
    if (format) {
      const dt = DateTime.fromFormat(v, format);
      return dt;
    }
    return parseDateTimeText(v);
  },
  toBoolean: (v) => v.length > 0 && !['false', 'no', '0'].includes(v.toLowerCase()),
  toNumber(v) {
    const n = Number(currencyless(v));
    if (Number.isNaN(n)) fail('cannot convert to number');
    return n;
  },
  toFloat(v) {
    if (v.includes(',')) fail('cannot convert to float, expected . as decimal separator');
    const n = parseFloat(currencyless(v));
    if (Number.isNaN(n)) fail('cannot convert to float');
    return n;
  },
  toInt(v, [radix]) {
    const n = parseInt(currencyless(v), radix);
    if (Number.isNaN(n)) fail('cannot convert to integer');
    return n;
  },
  toSentenceCase: sentenceCase,
  toSnakeCase: (v) => v.toLocaleLowerCase().replace(/[ -]/g, '_').replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, ''),
  toTitleCase: titleCase,
  urlDecode: (v, [whole = false]) => (whole ? decodeURI(v) : decodeURIComponent(v)),
  urlEncode: (v, [whole = false]) => (whole ? encodeURI(v) : encodeURIComponent(v)),
  quote(v, [mark = '"']) {
    return mark + v.replace(/\\/g, '\\\\').split(mark).join('\\' + mark) + mark;
  },
  replaceSpecialChars,
  length: (v) => v.length,
  isDomain: (v) => DOMAIN.test(v),
  isEmail: (v) => EMAIL.test(v) && !v.includes(' '),
  isNumeric: (v) => !v.includes(' ') && !Number.isNaN(Number(v)) && !Number.isNaN(parseFloat(v)),
  isUrl: (v) => URL_EXACT.test(v),
  isEmpty: (v) => v === '',
  isNotEmpty: (v) => v !== '',
  toJsonString: (v) => JSON.stringify(v),
  extractEmail(v) {
    const m = EMAIL.exec(v);
    return m ? m[0] : undefined;
  },
  extractDomain(v) {
    if (stringExtensions.isEmail(v)) {
      const m = EMAIL.exec(v);
      return m ? m[1] : undefined;
    }
    const m = DOMAIN_IN_URL.exec(v);
    return m ? m[1] : undefined;
  },
  extractUrl(v) {
    const m = URL_ANY.exec(v);
    return m ? m[0] : undefined;
  },
  extractUrlPath(v) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(v);
    if (!m) return undefined;
    return m[1] || '/';
  },
  parseJson(v) {
    try {
      return JSON.parse(v);
    } catch (error) {
      fail(v.includes("'") ? "Parsing failed. Check you're using double quotes" : 'Parsing failed');
    }
  },
  base64Encode,
  base64Decode,
};
stringExtensions.toDecimalNumber = stringExtensions.toFloat;
stringExtensions.toWholeNumber = stringExtensions.toInt;

// ---------------------------------------------------------------- numbers
// Number formatting without Intl: the conventions (CLDR) of the locales people use most.
// [group, decimal, minimum digits before grouping, currency before the number?, space before the sign]
const NUMBER_LOCALES = {
  en: [',', '.', 1, true, ''], de: ['.', ',', 1, false, '\u00a0'], 'de-CH': ['’', '.', 1, true, '\u00a0'],
  'de-AT': ['\u00a0', ',', 1, true, '\u00a0'], fr: ['\u202f', ',', 1, false, '\u00a0'],
  ru: ['\u00a0', ',', 1, false, '\u00a0'], uk: ['\u00a0', ',', 1, false, '\u00a0'],
  es: ['.', ',', 2, false, '\u00a0'], it: ['.', ',', 1, false, '\u00a0'], pt: ['.', ',', 1, true, '\u00a0'],
  pl: ['\u00a0', ',', 2, false, '\u00a0'], nl: ['.', ',', 1, true, '\u00a0'], tr: ['.', ',', 1, true, ''],
  ja: [',', '.', 1, true, ''], zh: [',', '.', 1, true, ''], sv: ['\u00a0', ',', 1, false, '\u00a0'],
};
const CURRENCIES = { USD: '$', EUR: '€', GBP: '£', RUB: '₽', JPY: '¥', UAH: '₴', INR: '₹', CNY: 'CN¥', BRL: 'R$', PLN: 'zł', TRY: '₺', CHF: 'CHF', KZT: '₸' };
function localeOf(locale) {
  const name = Array.isArray(locale) ? locale[0] : locale;
  const text = typeof name === 'string' ? name : 'en-US';
  return NUMBER_LOCALES[text] || NUMBER_LOCALES[text.split('-')[0]] || NUMBER_LOCALES.en;
}
function digitsOf(value, places) {
  if (Math.abs(value) < 1e21) return Math.abs(value).toFixed(places);
  return BigInt(Math.round(Math.abs(value))).toString() + (places ? '.' + '0'.repeat(places) : '');
}
function formatNumber(v, [locale = 'en-US', options = {}]) {
  const [group, decimal, minGroup, currencyFirst, space] = localeOf(locale);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return (v < 0 ? '-' : '') + '∞';
  const style = options.style || 'decimal';
  const currency = style === 'currency' ? String(options.currency || 'USD').toUpperCase() : null;
  const fallback = currency ? (currency === 'JPY' ? 0 : 2) : 0;
  const min = options.minimumFractionDigits ?? fallback;
  const max = Math.max(min, options.maximumFractionDigits ?? (currency ? fallback : style === 'percent' ? 0 : 3));
  const scaled = style === 'percent' ? v * 100 : v;
  let [whole, fraction = ''] = digitsOf(scaled, max).split('.');
  fraction = fraction.replace(/0+$/, '').padEnd(min, '0');
  if (options.useGrouping !== false && whole.length >= 4 + minGroup - 1) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const sign = scaled < 0 && /[1-9]/.test(whole + fraction) ? '-' : '';
  const number = whole + (fraction ? decimal + fraction : '');
  if (style === 'percent') return sign + number + space + '%';
  if (currency) {
    const symbol = CURRENCIES[currency] || currency;
    return currencyFirst ? sign + symbol + (space && /^[A-Z]/.test(symbol) ? space : space ? space : '') + number : sign + number + space + symbol;
  }
  return sign + number;
}
const Intl = {
  NumberFormat: class NumberFormat {
    constructor(locale, options = {}) { this.locale = locale; this.options = options; }
    format(value) { return formatNumber(Number(value), [this.locale, this.options]); }
    resolvedOptions() { return { locale: this.locale || 'en-US', ...this.options }; }
  },
};
const toLocaleString = function (locale, options) { return formatNumber(Number(this), [locale, options]); };
Object.defineProperty(Number.prototype, 'toLocaleString', { value: toLocaleString, writable: true, configurable: true });
const nativeCbrt = Math.cbrt;
Math.cbrt = (x) => {  // QuickJS's cbrt is one ulp off for exact cubes (27 -> 3.0000000000000004)
  const r = nativeCbrt(x);
  const n = Math.round(r);
  return n * n * n === x ? n : r;
};
const numberExtensions = {
  ceil: (v) => Math.ceil(v),
  floor: (v) => Math.floor(v),
  format: formatNumber,
  round: (v, [places = 0]) => +v.toFixed(places),
  abs: (v) => Math.abs(v),
  isInteger: (v) => Number.isInteger(v),
  isEven: (v) => (Number.isInteger(v) ? v % 2 === 0 : fail('isEven() is only callable on integers')),
  isOdd: (v) => (Number.isInteger(v) ? Math.abs(v) % 2 === 1 : fail('isOdd() is only callable on integers')),
  toBoolean: (v) => v !== 0,
  toInt: (v) => +v.toFixed(0),
  toFloat: (v) => v,
  toDateTime(v, [format = 'ms']) {
    switch (format) {
      case 'ms': return DateTime.fromMillis(v);
      case 's': return DateTime.fromSeconds(v);
      case 'us': return DateTime.fromMillis(v / 1000);
      case 'excel': return DateTime.fromSeconds((v - 25569) * 86400);
      default: fail(`Unsupported format '${String(format)}'. toDateTime() supports 'ms', 's', 'us' and 'excel'.`);
    }
  },
};

// ---------------------------------------------------------------- arrays
function numbersOnly(list, name) {
  if (list.some((v) => typeof v !== 'number')) fail(`${name}(): all array elements must be numbers`);
}
const sum = (list) => {
  numbersOnly(list, 'sum');
  return list.reduce((a, b) => a + b, 0);
};
function compactObject(obj) {
  const out = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === null || value === undefined || value === 'nil' || value === '') continue;
    if (typeof value === 'object') {
      if (Object.keys(value).length === 0) continue;
      out[key] = compactObject(value);
    } else out[key] = value;
  }
  return out;
}
const fillMissing = (target, other) => {
  const out = { ...target };
  for (const [key, value] of Object.entries(other)) if (!(key in out)) out[key] = value;
  return out;
};
function unique(list, fields) {
  const key = (v) => (fields.length && isObject(v) ? Object.fromEntries(fields.map((f) => [f, v[f]])) : v);
  return uniqueBy(list, (a, b) => deepEqual(key(a), key(b)));
}
function arrayArg(name, value) {
  if (!Array.isArray(value)) fail(`${name}(): expected array arg, e.g. .${name}([1, 2, 3, 4])`);
  return value;
}
const contains = (list, v) => list.some((w) => deepEqual(w, v));
const arrayExtensions = {
  removeDuplicates: (v, fields) => unique(v, fields),
  unique: (v, fields) => unique(v, fields),
  first: (v) => v[0],
  last: (v) => v[v.length - 1],
  pluck(v, fields) {
    if (!fields.length) return v;
    return v.reduce((out, item) => {
      if (isObject(item)) {
        const found = Object.keys(item).flatMap((k) => fields.filter((f) => f === k).map(() => item[k]));
        if (found.length) out.push(found.length === 1 ? found[0] : found);
      }
      return out;
    }, []);
  },
  randomItem: (v) => (v.length ? v[Math.floor(Math.random() * v.length)] : undefined),
  sum,
  min(v) {
    numbersOnly(v, 'min');
    return Math.min(...v);
  },
  max(v) {
    numbersOnly(v, 'max');
    return Math.max(...v);
  },
  average(v) {
    numbersOnly(v, 'average');
    return v.length ? sum(v) / v.length : 0;
  },
  isNotEmpty: (v) => v.length > 0,
  isEmpty: (v) => v.length === 0,
  compact: (v) => v.filter((x) => !(isObject(x) && Object.keys(x).length === 0) && x !== null && x !== undefined && x !== 'nil' && x !== '')
    .map((x) => (isObject(x) ? compactObject(x) : x)),
  smartJoin(v, [keyField, valueField]) {
    if (!keyField || !valueField || typeof keyField !== 'string' || typeof valueField !== 'string') {
      fail('smartJoin(): expected two string args, e.g. .smartJoin("name", "value")');
    }
    const out = {};
    for (const item of v) if (isObject(item) && keyField in item && valueField in item) out[item[keyField]] = item[valueField];
    return out;
  },
  chunk(v, [size]) {
    if (typeof size !== 'number' || size === 0) fail('chunk(): expected non-zero numeric arg, e.g. .chunk(5)');
    const out = [];
    for (let i = 0; i < v.length; i += size) out.push(v.slice(i, i + size));
    return out;
  },
  renameKeys(v, pairs) {
    if (pairs.length === 0 || pairs.length % 2 !== 0) {
      fail('renameKeys(): expected an even amount of args: from1, to1 [, from2, to2, ...]. e.g. .renameKeys("name", "title")');
    }
    return v.map((item) => {
      if (!isObject(item)) return item;
      const out = { ...item };
      for (let i = 0; i < pairs.length; i += 2) {
        if (pairs[i] in out) {
          out[pairs[i + 1]] = out[pairs[i]];
          delete out[pairs[i]];
        }
      }
      return out;
    });
  },
  merge(v, [others]) {
    if (others === undefined) {
      return v.reduce((out, item) => (isObject(item) && !Array.isArray(item) ? fillMissing(out, item) : out), {});
    }
    if (!Array.isArray(others)) fail('merge(): expected array arg, e.g. .merge([{ id: 1, otherValue: 3 }])');
    let out = {};
    for (let i = 0; i < Math.max(v.length, others.length); i++) {
      if (v[i] !== undefined && typeof v[i] === 'object' && typeof others[i] === 'object') {
        out = Object.assign(out, others[i] ? fillMissing(v[i], others[i]) : v[i]);
      }
    }
    return out;
  },
  union(v, [others]) {
    const out = Array.from(v);
    for (const x of arrayArg('union', others)) if (!contains(out, x)) out.push(x);
    return unique(out, []);
  },
  difference(v, [others]) {
    arrayArg('difference', others);
    return unique(v.filter((x) => !contains(others, x)), []);
  },
  intersection(v, [others]) {
    arrayArg('intersection', others);
    return unique([...v.filter((x) => contains(others, x)), ...others.filter((x) => contains(v, x))], []);
  },
  append: (v, values) => v.concat(values),
  toJsonString: (v) => JSON.stringify(v),
  toInt: () => undefined,
  toFloat: () => undefined,
  toBoolean: () => undefined,
  toDateTime: () => undefined,
};

// ---------------------------------------------------------------- objects and booleans
const objectExtensions = {
  isEmpty: (v) => Object.keys(v).length === 0,
  isNotEmpty: (v) => Object.keys(v).length !== 0,
  hasField: (v, [name]) => name in v,
  removeField(v, [name]) {
    if (!(name in v)) return v;
    const out = { ...v };
    delete out[name];
    return out;
  },
  removeFieldsContaining(v, [match]) {
    if (typeof match !== 'string' || match === '') fail('removeFieldsContaining(): expected non-empty string arg');
    return Object.fromEntries(Object.entries(v).filter(([, x]) => !(typeof x === 'string' && x.includes(match))));
  },
  keepFieldsContaining(v, [match]) {
    if (typeof match !== 'string' || match === '') fail('argument of keepFieldsContaining must be a non-empty string');
    return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string' && x.includes(match)));
  },
  compact: compactObject,
  urlEncode: (v) => Object.entries(v).map(([k, x]) => encodeForm(k) + '=' + encodeForm(String(x))).join('&'),
  keys: (v) => Object.keys(v),
  values: (v) => Object.values(v),
  toJsonString: (v) => JSON.stringify(v),
  toInt: () => undefined,
  toFloat: () => undefined,
  toBoolean: () => undefined,
  toDateTime: () => undefined,
};
const encodeForm = (text) => encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

const booleanExtensions = {
  toBoolean: (v) => v,
  toInt: (v) => (v ? 1 : 0),
  toFloat: (v) => (v ? 1 : 0),
  toNumber: (v) => (v ? 1 : 0),
  toDateTime: () => undefined,
};

// ---------------------------------------------------------------- dates (DateTime and Date)
const DURATION_UNIT = { day: 'days', month: 'months', year: 'years', week: 'weeks', hour: 'hours', minute: 'minutes', second: 'seconds', millisecond: 'milliseconds', ms: 'milliseconds', sec: 'seconds', secs: 'seconds', hr: 'hours', hrs: 'hours', min: 'minutes', mins: 'minutes' };
const DATE_UNIT = { days: 'day', months: 'month', years: 'year', hours: 'hour', minutes: 'minute', seconds: 'second', milliseconds: 'millisecond', hrs: 'hour', hr: 'hour', mins: 'minute', min: 'minute', secs: 'second', sec: 'second', ms: 'millisecond' };
const DIFF_UNITS = ['milliseconds', 'seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'quarters', 'years'];
const DIFF_ALLOWED = new Set([...DIFF_UNITS, 'day', 'week', 'month', 'year', 'hour', 'minute', 'second', 'millisecond', 'weekNumber', 'yearDayNumber', 'weekday']);
const asDateTime = (d) => (DateTime.isDateTime(d) ? d : DateTime.fromJSDate(d));
const back = (d, result) => (DateTime.isDateTime(d) ? result : result.toJSDate());
function toDateTimeLoose(value) {
  if (DateTime.isDateTime(value)) return value;
  if (value instanceof Date) return DateTime.fromJSDate(value);
  if (typeof value === 'string') {
    const dt = DateTime.fromJSDate(new Date(value));
    return dt.isValid ? dt : undefined;
  }
  return undefined;
}
function shift(d, args, sign) {
  const duration = args.length === 1 ? args[0] : { [DURATION_UNIT[args[1] ?? 'minutes'] || (args[1] ?? 'minutes')]: args[0] ?? 0 };
  const dt = asDateTime(d);
  return back(d, sign > 0 ? dt.plus(duration) : dt.minus(duration));
}
const dateExtensions = {
  beginningOf: (d, [unit = 'week']) => back(d, asDateTime(d).startOf(DATE_UNIT[unit] || unit)),
  endOfMonth: (d) => back(d, asDateTime(d).endOf('month')),
  extract(d, [part = 'week']) {
    const dt = asDateTime(d);
    if (part === 'yearDayNumber') return dt.ordinal;
    if (part === 'week') part = 'weekNumber';
    return dt.get(DATE_UNIT[part] || part);
  },
  isBetween(d, args) {
    if (args.length !== 2) fail('isBetween(): expected exactly two args');
    const [a, b] = args.map(toDateTimeLoose);
    if (!a || !b) return undefined;
    return a > b ? b < d && d < a : b > d && d > a;
  },
  isDst: (d) => asDateTime(d).isInDST,
  isInLast(d, [amount = 0, unit = 'minutes']) {
    const now = DateTime.now();
    const since = now.minus({ [DURATION_UNIT[unit] || unit]: amount });
    const dt = asDateTime(d);
    return since <= dt && dt <= now;
  },
  isWeekend: (d) => [6, 7].includes(asDateTime(d).weekday),
  minus: (d, args) => shift(d, args, -1),
  plus: (d, args) => shift(d, args, 1),
  format: (d, [format]) => asDateTime(d).toFormat(format),
  toDateTime: (d) => (typeof d === 'string' ? stringExtensions.toDateTime(d, []) : asDateTime(d)),
  diffTo(d, [other, unit = 'days']) {
    let units = Array.isArray(unit) ? unit : [unit];
    if (units.length === 0) units = ['days'];
    const wrong = units.find((u) => !DIFF_ALLOWED.has(u));
    if (wrong) fail(`Unsupported unit '${String(wrong)}'. Supported: ${DIFF_UNITS.map((u) => `'${u}'`).join(', ')}.`);
    const target = typeof other === 'string' ? stringExtensions.toDateTime(other, []) : asDateTime(other);
    const result = asDateTime(d).diff(target, units);
    return units.length > 1 ? result.toObject() : result.as(units[0]);
  },
  diffToNow: (d, [unit]) => dateExtensions.diffTo(d, [DateTime.now(), unit]),
  toInt: (d) => +d,
  toFloat: (d) => +d,
  toBoolean: () => undefined,
  isEmpty: () => false,
  isNotEmpty: () => true,
};

const EXTENSIONS = [
  ['Array', arrayExtensions], ['Date', dateExtensions], ['Number', numberExtensions],
  ['Object', objectExtensions], ['String', stringExtensions], ['Boolean', booleanExtensions],
];
const GENERIC = { isEmpty: (v) => !v, isNotEmpty: (v) => !!v };
const ISO_UTC = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}.\d{3}Z/;
const own = (table, name) => (Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined);

function findExtension(value, name) {
  let fn;
  if (Array.isArray(value)) fn = own(arrayExtensions, name);
  else if (typeof value === 'string' && name !== 'toDate' && name !== 'toDateTime' && ISO_UTC.test(value)
    && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value) {
    fn = own(dateExtensions, name);  // n8n hands the date functions the text itself
  } else if (typeof value === 'string') fn = own(stringExtensions, name);
  else if (typeof value === 'number') fn = own(numberExtensions, name);
  else if (value && (DateTime.isDateTime(value) || value instanceof Date)) fn = own(dateExtensions, name);
  else if (isObject(value)) fn = own(objectExtensions, name);
  else if (typeof value === 'boolean') fn = own(booleanExtensions, name);
  if (fn) return (args) => fn(value, args);
  if (value && typeof value[name] === 'function') return (args) => value[name](...args);
  if (GENERIC[name]) return () => GENERIC[name](value);
  return undefined;
}
function extend(value, name, args) {
  const fn = findExtension(value, name);
  if (fn) return fn(args);
  if (value === undefined || value === null) {
    fail(`${name} can't be used on ${String(value)} value`, `To ignore this error, add a ? to the variable before this function, e.g. my_var?.${name}`);
  }
  const types = EXTENSIONS.filter(([, table]) => own(table, name)).map(([type]) => `"${type}"`);
  if (!types.length) fail(`Unknown expression function: ${name}`);
  if (types.length === 1) fail(`${name}() is only callable on type ${types[0]}`);
  fail(`${name}() is only callable on types ${types.slice(0, -1).join(', ')}, and ${types[types.length - 1]}`);
}
function extendOptional(value, name) {
  const fn = findExtension(value, name);
  return fn ? (...args) => fn(args) : undefined;
}

function ifEmpty(...args) {
  if (args.length !== 2) fail('expected two arguments (value, defaultValue) for this function');
  const [value, fallback] = args;
  if (value === undefined || value === null || value === '') return fallback;
  if (isObject(value) && (Array.isArray(value) ? !value.length : !Object.keys(value).length)) return fallback;
  return value;
}
const average = (...values) => arrayExtensions.average(values);
const not = (value) => !value;
function numberList(start, end) {
  const out = [];
  for (let i = start; start < end ? i <= end : i >= end; start < end ? i++ : i--) out.push(i);
  return out;
}
function zip(keys, values) {
  if (keys.length !== values.length) fail('keys and values not of equal length');
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
}
const HELPERS = {
  min: Math.min, max: Math.max, not, average, numberList, zip,
  $min: Math.min, $max: Math.max, $average: average, $not: not, $ifEmpty: ifEmpty,
};
