// What an n8n expression sees ($json, $input, $('Node'), …, Math, DateTime, …) and how its value
// comes back to Python. The host loads data as JSON text; nothing here reaches the host.
'use strict';

const S = {
  items: [], runs: { __proto__: null }, env: { __proto__: null }, index: 0, parent: null,
  runIndex: 0, now: 0, zone: 'UTC', workflow: { id: '', name: '', active: false },
  execution: { id: '', mode: 'manual' },
};

const nodeError = (message, description) => new ExpressionError(message, description);
function runOf(name) {
  if (!name) throw nodeError('When calling $(), please specify a node');
  const run = S.runs[name];
  if (run === undefined) throw nodeError("Referenced node doesn't exist", `no node named "${name}" ran before this one`);
  if (run === null) throw nodeError('Referenced node is unexecuted', `node "${name}" has not run yet`);
  return run;
}
// Follow pairedItem back from the current input item (item `index` of the parent's output),
// along every link (a merged item has several; `input` picks the source of a node with several
// inputs): the one item of node `name` they reach.
function pairedItem(name, index) {
  const found = new Set();
  const todo = [[S.parent, index]];
  for (let steps = 0; todo.length && steps < 100000; steps++) {
    const [node, at] = todo.pop();
    const run = node === null || node === undefined ? undefined : S.runs[node];
    if (!run || at === undefined || at >= run.items.length) continue;
    if (node === name) { found.add(run.items[at]); continue; }
    const paired = run.items[at].pairedItem;
    const links = paired === undefined ? [at] : Array.isArray(paired) ? paired : [paired];
    for (const link of links) {
      const { item, input } = typeof link === 'number' ? { item: link } : link || {};
      todo.push([run.sources && run.sources.length ? run.sources[input || 0] : run.parent, item]);
    }
  }
  if (found.size === 1) return found.values().next().value;
  if (found.size > 1) throw nodeError('Multiple matches found', `Multiple matching items for item [${index}]`);
  throw nodeError(`Paired item data unavailable: no paired item leads back to node "${name}"`);
}
function nodeProxy(name) {
  const run = () => runOf(name);
  const hasRun = () => S.runs[name] !== undefined && S.runs[name] !== null;
  return {
    get item() { run(); return pairedItem(name, S.index); },
    itemMatching(i) {
      if (i === undefined) throw nodeError('Missing item index for .itemMatching()');
      run();
      return pairedItem(name, i);
    },
    pairedItem(i) { run(); return pairedItem(name, i === undefined ? S.index : i); },
    first: () => run().items[0],
    last: () => { const items = run().items; return items[items.length - 1]; },
    all: () => run().items,
    get isExecuted() { return hasRun(); },
    params: {},
    context: {},
  };
}
const inputProxy = {
  get item() { return S.items[S.index]; },
  first(...args) {
    if (args.length) throw nodeError('$input.first() should have no arguments');
    return S.items[0];
  },
  last(...args) {
    if (args.length) throw nodeError('$input.last() should have no arguments');
    return S.items[S.items.length - 1];
  },
  all: () => S.items,
  params: {},
  context: {},
};
const nodeByName = new Proxy({}, {
  get(_, name) {
    if (typeof name !== 'string') return undefined;
    const items = runOf(name).items;
    const item = items[S.index] || items[0] || { json: {} };
    return { json: item.json, binary: item.binary || {}, context: {}, parameter: {}, runIndex: 0 };
  },
});
const envProxy = new Proxy({}, {
  get(_, name) {
    if (typeof name !== 'string') return undefined;
    if (!(name in S.env)) throw nodeError(`$env.${name} is not allowed (list it under the workflow's env)`);
    return S.env[name];
  },
  has: (_, name) => name in S.env,
  ownKeys: () => Object.keys(S.env),
  getOwnPropertyDescriptor: (_, name) => (name in S.env ? { value: S.env[name], enumerable: true, configurable: true } : undefined),
});
function items(name) {
  if (name === undefined) return S.items;
  return runOf(name).items;
}

// The names an expression can read. Blocked globals are {} as in n8n; unknown names are undefined.
const BLOCKED = ['document', 'global', 'window', 'Window', 'this', 'globalThis', 'self', 'alert',
  'prompt', 'confirm', 'eval', 'uneval', 'setTimeout', 'setInterval', 'Function', 'fetch',
  'XMLHttpRequest', 'Promise', 'Generator', 'GeneratorFunction', 'AsyncFunction', 'AsyncGenerator',
  'AsyncGeneratorFunction', 'WebAssembly', 'Reflect', 'Proxy', 'escape', 'unescape',
  'SharedArrayBuffer', 'Atomics', 'process'];
const GLOBALS = {
  __proto__: null,
  Date, DateTime, Duration, Interval, Object, Array, Int8Array, Uint8Array, Uint8ClampedArray,
  Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array,
  BigUint64Array, Map, WeakMap, Set, WeakSet, Error, TypeError, SyntaxError, EvalError, RangeError,
  ReferenceError, URIError, String, RegExp, Math, Number, BigInt, Infinity, NaN, undefined,
  isFinite, isNaN, parseFloat, parseInt, JSON, ArrayBuffer, DataView,  // real isNaN: n8n keeps it
  encodeURI, encodeURIComponent, decodeURI, decodeURIComponent, Boolean, Symbol,
  Intl, extend, extendOptional, ...HELPERS,
  $jmespath: () => { throw nodeError('$jmespath() is not supported here'); },
  __ext: extend,
  __opt: (value, next) => (value === null || value === undefined ? undefined : next(value)),
  __s: (key) => {
    if (UNSAFE.has(key)) throw nodeError(`Cannot access "${key}" due to security concerns`);
    return key;
  },
};
for (const name of BLOCKED) GLOBALS[name] = {};
GLOBALS.window = undefined;  // n8n leaves `window` alone: on a server it is not defined
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor', 'getPrototypeOf']);
const DYNAMIC = {
  __proto__: null,
  $json: () => (S.items[S.index] || {}).json,
  $data: () => (S.items[S.index] || {}).json,
  $binary: () => (S.items[S.index] || {}).binary || {},
  $input: () => inputProxy,
  $: () => nodeProxy,
  $node: () => nodeByName,
  $items: () => items,
  $item: () => (index) => ({ $json: (S.items[index] || {}).json, $node: nodeByName }),
  $itemIndex: () => S.index,
  $position: () => S.index,
  $thisItemIndex: () => S.index,
  $thisItem: () => S.items[S.index],
  $runIndex: () => S.runIndex,
  $workflow: () => S.workflow,
  $execution: () => S.execution,
  $now: () => DateTime.now(),
  $today: () => DateTime.now().startOf('day'),
  $env: () => envProxy,
  $prevNode: () => ({ name: S.parent === null ? undefined : S.parent, outputIndex: 0, runIndex: 0 }),
  $if: () => (test, yes, no = false) => (test ? yes : no),
};
let scratch = { __proto__: null };  // names an expression assigns to (n8n keeps them per evaluation)
const scope = new Proxy({}, {
  has: (_, name) => typeof name === 'string',
  get(_, name) {
    if (name === Symbol.unscopables || typeof name !== 'string') return undefined;
    if (name in scratch) return scratch[name];
    if (name in DYNAMIC) return DYNAMIC[name]();
    return GLOBALS[name];
  },
  set(_, name, value) { scratch[name] = value; return true; },
});

// Python hands over data as JSON text, then calls run(fn, index, …) per evaluation.
const host = {
  items(text) { S.items = JSON.parse(text); },
  run(name, text) { S.runs[name] = text === null ? null : JSON.parse(text); },
  forget() { S.runs = { __proto__: null }; },
  env(text) { S.env = JSON.parse(text); },
  meta(text) { Object.assign(S, JSON.parse(text)); },
  zone: loadZone,
};

const isExpressionError = (e) => e instanceof ExpressionError || e instanceof NeedZone;
// Errors inside a block with member access or calls are swallowed (undefined), as in n8n, unless
// they are n8n's own expression errors.
function swallow(error) {
  if (isExpressionError(error) || (error && error.name === 'InternalError') || error instanceof RangeError && /stack/.test(error.message)) throw error;
}
const blank = (v) => (v || v === 0 || v === false ? v : '');

const stringify = JSON.stringify;
// The value an expression leaves to Python: JSON text; '' for undefined; {"\0fn": name} for a function.
function encode(value) {
  if (value === undefined) return '';
  if (typeof value === 'function') {
    const name = DateTime === value ? 'DateTime' : value === nodeProxy ? '$' : 'function';
    return stringify({ '\u0000fn': name });
  }
  if (typeof value === 'bigint') return stringify(value.toString());
  return stringify(value, (key, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
}

function run(fn, index, parent, runIndex) {
  S.index = index;
  S.parent = parent;
  S.runIndex = runIndex;
  scratch = { __proto__: null };
  let value;
  try {
    value = fn.call(scope, swallow, blank);
  } catch (error) {
    if (isExpressionError(error) || error.name === 'InternalError' || error instanceof SyntaxError) throw error;
    if (error instanceof RangeError && /stack/.test(error.message)) throw error;
    return 'null';  // n8n: an error outside a guarded block makes the whole value null
  }
  return encode(value);
}

// One evaluation must not change what the next one sees: the built-ins are frozen (an assignment
// to them is ignored, as to any read-only property).
for (const target of [Object, Object.prototype, Array, Array.prototype, String, String.prototype,
  Number, Number.prototype, Boolean, Boolean.prototype, Function.prototype, Date, Date.prototype,
  RegExp, RegExp.prototype, Math, JSON, Symbol, Symbol.prototype, Map.prototype, Set.prototype,
  WeakMap.prototype, WeakSet.prototype, Promise, Promise.prototype, BigInt, BigInt.prototype,
  DateTime, DateTime.prototype, Duration, Duration.prototype, Interval, Interval.prototype,
  Intl, Intl.NumberFormat.prototype]) {
  Object.freeze(target);
}

// ---------------------------------------------------------------- the Code node
// A Code node's JavaScript runs here too, with n8n's names for the Code node on top of the
// expression scope: items (all items), item (each item mode), console (collected for stderr).
let logs = [];
const show = (v) => (typeof v === 'string' ? v : (stringify(v) ?? String(v)));
const consoleProxy = Object.freeze({
  log: (...args) => { logs.push(args.map(show).join(' ')); },
  info: (...args) => { logs.push(args.map(show).join(' ')); },
  warn: (...args) => { logs.push(args.map(show).join(' ')); },
  error: (...args) => { logs.push(args.map(show).join(' ')); },
  debug: (...args) => { logs.push(args.map(show).join(' ')); },
});
let codeMode = 'runOnceForAllItems';
const CODE_NAMES = {
  __proto__: null,
  items: () => S.items,
  item: () => {
    if (codeMode === 'runOnceForEachItem') return S.items[S.index];
    return codeMode === 'functionItem' ? (S.items[S.index] || {}).json : undefined;
  },
  console: () => consoleProxy,
  Promise: () => Promise,
  setTimeout: () => setTimeout,
  clearTimeout: () => clearTimeout,
  setImmediate: () => (fn, ...args) => setTimeout(fn, 0, ...args),
};
const codeScope = new Proxy({}, {
  has: (_, name) => typeof name === 'string',
  get(_, name) {
    if (typeof name === 'string' && name in CODE_NAMES && !(name in scratch)) return CODE_NAMES[name]();
    return scope[name];
  },
  set(_, name, value) { scratch[name] = value; return true; },
});
const pending = { done: true, value: undefined, error: undefined };

function runCode(fn, mode, index, parent, runIndex) {
  S.index = index;
  S.parent = parent;
  S.runIndex = runIndex;
  codeMode = mode;
  scratch = { __proto__: null };
  logs = [];
  timers = [];
  clock = 0;
  const value = fn.call(codeScope);
  if (value instanceof Promise) {
    Object.assign(pending, { done: false, value: undefined, error: undefined });
    value.then((v) => { Object.assign(pending, { done: true, value: v }); },
      (e) => { Object.assign(pending, { done: true, error: e }); });
    return '';
  }
  return result(value);
}
const result = (value) => stringify({ value: value === undefined ? null : value, undefined: value === undefined, logs });
function codeResult() {
  if (!pending.done) throw new Error('the code did not finish (a promise that never settles)');
  if (pending.error !== undefined) throw pending.error;
  return result(pending.value);
}
// Timers for async code: no real waiting; when no promise job is left, the host runs the next
// timer (earliest first), until the code's promise settles.
let timers = [];
let timerSeq = 0;
let clock = 0;
function setTimeout(fn, ms, ...args) {
  const id = ++timerSeq;
  timers.push({ id, at: clock + Math.max(0, Number(ms) || 0), fn, args });
  return id;
}
function clearTimeout(id) { timers = timers.filter((t) => t.id !== id); }
function tick() {
  if (pending.done || !timers.length) return false;
  let next = 0;
  for (let i = 1; i < timers.length; i++) if (timers[i].at < timers[next].at) next = i;
  const [timer] = timers.splice(next, 1);
  clock = timer.at;
  if (typeof timer.fn === 'function') timer.fn(...timer.args);
  return true;
}
Object.assign(host, { runCode, codeResult, tick });
