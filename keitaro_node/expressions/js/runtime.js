// What an n8n expression sees ($json, $input, $('Node'), …, Math, DateTime, …) and how its value
// comes back to Python. The host loads data as JSON text; nothing here reaches the host.
'use strict';

const S = {
  index: 0, parent: null, runIndex: 0, gen: -1, count: 0, all: null, nodes: { __proto__: null },
  start: 0, window: [],
  env: { __proto__: null }, now: 0, zone: 'UTC', workflow: { id: '', name: '', active: false },
  execution: { id: '', mode: 'manual' },
  node: '',
  vars: { __proto__: null },
};
// Data comes from Python as JSON text (scope.py): the current item with each evaluation, and
// what else the code reads on request. Reading data it was not given records the key and throws
// NeedData; the evaluation then ends with the keys (even if the code caught the error), and
// Python runs it again with them. `memo` keeps what one evaluation read (the same object each
// time it is read); S.all and S.nodes keep whole lists for the input generation.
class NeedData extends Error {
  constructor(key) { super(key); this.name = 'NeedData'; }
}
let memo = new Map();
const NOTHING = Object.freeze({ __proto__: null });
let given = NOTHING;
let missing = [];
function begin(gen, index, parent, runIndex, count, start, window, extra) {
  if (gen !== S.gen) {
    S.gen = gen;
    S.all = null;
    S.nodes = { __proto__: null };
    S.window = [];
  }
  S.index = index;
  S.parent = parent;
  S.runIndex = runIndex;
  S.count = count;
  if (window !== '') {
    S.window = JSON.parse(window);
    S.start = start;
  }
  if (memo.size) memo = new Map();
  if (missing.length) missing = [];
  if (extra === '') given = NOTHING;
  else {
    given = Object.assign({ __proto__: null }, JSON.parse(extra));
    if (given.I !== undefined) S.all = given.I;
    for (const key in given) if (key[0] === 'N') S.nodes[key.slice(1)] = given[key];
  }
  scratch = { __proto__: null };
}
function need(key) {
  if (memo.has(key)) return memo.get(key);
  if (!(key in given)) {
    missing.push(key);
    throw new NeedData(key);
  }
  const value = given[key] === null ? undefined : given[key];
  memo.set(key, value);
  return value;
}
const isIndex = (i) => typeof i === 'number' && Number.isInteger(i) && i >= 0;
function inputAt(i) {
  if (S.all !== null) return S.all[i];
  if (!isIndex(i) || i >= S.count) return undefined;
  const at = i - S.start;
  return at >= 0 && at < S.window.length ? S.window[at] : need(`i${i}`);
}
// The whole input, one array for all the node's evaluations (as n8n, which hands out its items).
function inputAll() {
  if (S.all === null) need('I');
  return S.all;
}

const nodeError = (message, description) => new ExpressionError(message, description);
function nodeCount(name) {
  if (!name) throw nodeError('When calling $(), please specify a node');
  const state = need(`s${name}`);
  if (state === -1) throw nodeError("Referenced node doesn't exist", `no node named "${name}" ran before this one`);
  if (state === -2) throw nodeError('Referenced node is unexecuted', `node "${name}" has not run yet`);
  return state;
}
function nodeAll(name) {
  nodeCount(name);
  if (S.nodes[name] === undefined) need(`N${name}`);
  return S.nodes[name];
}
function nodeAt(name, i) {
  const count = nodeCount(name);
  if (S.nodes[name] !== undefined) return S.nodes[name][i];
  if (!isIndex(i) || i >= count) return undefined;
  return need(`n${i}\0${name}`);
}
// The item of node `name` that input item `index` leads back to (pairedItem, walked in Python).
function pairedItem(name, index) {
  nodeCount(name);
  const found = isIndex(index) ? need(`p${index}\0${name}`) : '!none';
  if (found === '!many') throw nodeError('Multiple matches found', `Multiple matching items for item [${index}]`);
  if (found === '!none') throw nodeError(`Paired item data unavailable: no paired item leads back to node "${name}"`);
  return found;
}
function nodeProxy(name) {
  return {
    get item() { return pairedItem(name, S.index); },
    itemMatching(i) {
      if (i === undefined) throw nodeError('Missing item index for .itemMatching()');
      return pairedItem(name, i);
    },
    pairedItem(i) { return pairedItem(name, i === undefined ? S.index : i); },
    first: () => nodeAt(name, 0),
    last: () => nodeAt(name, nodeCount(name) - 1),
    all: () => nodeAll(name),
    get isExecuted() { return need(`s${name}`) >= 0; },
    params: {},
    get context() { return need(`c${name}`) || {}; },
  };
}
const inputProxy = {
  get item() { return inputAt(S.index); },
  first(...args) {
    if (args.length) throw nodeError('$input.first() should have no arguments');
    return inputAt(0);
  },
  last(...args) {
    if (args.length) throw nodeError('$input.last() should have no arguments');
    return inputAt(S.count - 1);
  },
  all: () => inputAll(),
  params: {},
  context: {},
};
const nodeByName = new Proxy({}, {
  get(_, name) {
    if (typeof name !== 'string') return undefined;
    // lazily: a node's context may be read before it has run (its own, in its first run)
    const item = () => nodeAt(name, S.index) || nodeAt(name, 0) || { json: {} };
    return {
      get json() { return item().json; },
      get binary() { return item().binary || {}; },
      get context() { return need(`c${name}`) || {}; },
      parameter: {},
      runIndex: 0,
    };
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
  if (name === undefined) return inputAll();
  return nodeAll(name);
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
  __s: (key) => {  // a computed key, turned into the one key it names before it is checked
    const name = typeof key === 'symbol' ? key : String(key);
    if (UNSAFE.has(name)) throw nodeError(`Cannot access "${name}" due to security concerns`);
    return name;
  },
};
for (const name of BLOCKED) GLOBALS[name] = {};
GLOBALS.window = undefined;  // n8n leaves `window` alone: on a server it is not defined
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor', 'getPrototypeOf']);
const DYNAMIC = {
  __proto__: null,
  $json: () => (inputAt(S.index) || {}).json,
  $data: () => (inputAt(S.index) || {}).json,
  $binary: () => (inputAt(S.index) || {}).binary || {},
  $input: () => inputProxy,
  $: () => nodeProxy,
  $node: () => nodeByName,
  $items: () => items,
  $item: () => (index) => ({ $json: (inputAt(index) || {}).json, $node: nodeByName }),
  $itemIndex: () => S.index,
  $position: () => S.index,
  $thisItemIndex: () => S.index,
  $thisItem: () => inputAt(S.index),
  $runIndex: () => S.runIndex,
  $workflow: () => S.workflow,
  $execution: () => S.execution,
  $getWorkflowStaticData: () => __staticData,
  // a node's own variables (HTTP Request's pagination), undefined elsewhere
  $response: () => S.vars.$response,
  $request: () => S.vars.$request,
  $pageCount: () => S.vars.$pageCount,
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
  env(text) { S.env = JSON.parse(text); },
  meta(text) { S.vars = { __proto__: null }; Object.assign(S, JSON.parse(text)); },
  zone: loadZone,
};

const isExpressionError = (e) => e instanceof ExpressionError || e instanceof NeedZone || e instanceof NeedData;
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

// '\1' + the keys of data the evaluation asked for and was not given (see begin).
const needs = () => (missing.length ? `\u0001${stringify(missing)}` : '');
function run(fn, gen, index, parent, runIndex, count, start, window, extra) {
  begin(gen, index, parent, runIndex, count, start, window, extra);
  let value;
  try {
    value = fn.call(scope, swallow, blank);
  } catch (error) {
    if (missing.length) return needs();
    if (isExpressionError(error) || error.name === 'InternalError' || error instanceof SyntaxError) throw error;
    if (error instanceof RangeError && /stack/.test(error.message)) throw error;
    return 'null';  // n8n: an error outside a guarded block makes the whole value null
  }
  return needs() || encode(value);
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
function __require(name) { throw new Error(`Cannot find module '${name}'`); }
// Static data: the execution's, handed over by the host (a served workflow's is kept between
// its executions, as n8n keeps it for production executions; a manual run starts from none).
// Whoever asked for it may have changed it: the host then takes it back (staticGet).
let staticData = { __proto__: null };
let staticAsked = false;
function __staticData(type) {
  if (type !== 'global' && type !== 'node') {
    throw new Error('Unknown context type. Only `global` and `node` are supported.');
  }
  staticAsked = true;
  const key = type === 'global' ? 'global' : `node:${S.node}`;
  return (staticData[key] ??= {});
}
host.staticSet = (text) => { staticData = Object.assign({ __proto__: null }, JSON.parse(text)); staticAsked = false; };
host.staticGet = () => {
  if (!staticAsked) return '';
  staticAsked = false;
  return stringify(staticData);
};
const CODE_NAMES = {
  __proto__: null,
  items: () => inputAll(),
  item: () => {
    if (codeMode === 'runOnceForEachItem') return inputAt(S.index);
    return codeMode === 'functionItem' ? (inputAt(S.index) || {}).json : undefined;
  },
  console: () => consoleProxy,
  Promise: () => Promise,
  setTimeout: () => setTimeout,
  clearTimeout: () => clearTimeout,
  setImmediate: () => (fn, ...args) => setTimeout(fn, 0, ...args),
  // n8n allows no module unless NODE_FUNCTION_ALLOW_BUILTIN/EXTERNAL name it; none here
  require: () => __require,
  getWorkflowStaticData: () => __staticData,
  $getWorkflowStaticData: () => __staticData,
  getBinaryData: () => () => (codeMode === 'functionItem' ? (inputAt(S.index) || {}).binary : undefined),
  setBinaryData: () => async () => { throw new Error('setBinaryData: binary data is not supported here yet'); },
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

function runCode(fn, mode, gen, index, parent, runIndex, count, start, window, extra) {
  begin(gen, index, parent, runIndex, count, start, window, extra);
  codeMode = mode;
  logs = [];
  timers = [];
  clock = 0;
  let value;
  try {
    value = fn.call(codeScope);
  } catch (error) {
    if (missing.length) return needs();
    throw error;
  }
  if (value instanceof Promise) {
    Object.assign(pending, { done: false, value: undefined, error: undefined });
    value.then((v) => { Object.assign(pending, { done: true, value: v }); },
      (e) => { Object.assign(pending, { done: true, error: e }); });
    return '';
  }
  return needs() || result(value);
}
const result = (value) => stringify({ value: value === undefined ? null : value, undefined: value === undefined, logs });
function codeResult() {
  if (missing.length) return needs();
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
// After a run: its timers never fire (the host discards its leftover promise jobs too).
function drop() {
  timers = [];
  Object.assign(pending, { done: true, value: undefined, error: undefined });
}
Object.assign(host, { runCode, codeResult, tick, drop, settled: () => pending.done });

// ---------------------------------------------------------------- hardening
// Nothing an evaluation writes may reach the next one, nor code compile code. The Function
// constructors refuse (reached as `(() => 1)['constructor']` or through a prototype), `eval`
// is gone, and everything reachable from the global object, the names above and the
// intrinsics is frozen, deeply. Frozen prototypes keep n8n's usual assignments working:
// `error.message = …` or `obj.toString = …` on an object of its own define the object's own
// property instead of failing on the prototype's read-only one.
function refuseCode() { throw new EvalError('Code generation from strings is not allowed in the sandbox'); }
const FUNCTIONS = [function () {}, function* () {}, async function () {}, async function* () {}];
for (const fn of FUNCTIONS) {
  Object.defineProperty(Object.getPrototypeOf(fn), 'constructor', { value: refuseCode });
}
delete globalThis.eval;
globalThis.Function = refuseCode;
function overridable(proto, names) {
  for (const name of names) {
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (!desc || !('value' in desc)) continue;
    const { value } = desc;
    Object.defineProperty(proto, name, {
      get() { return value; },
      set(v) {
        if (this === proto) throw new TypeError(`Cannot assign to read only property '${String(name)}'`);
        Object.defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
      },
      enumerable: desc.enumerable,
      configurable: false,
    });
  }
}
overridable(Object.prototype, ['constructor', 'toString', 'valueOf', 'toLocaleString',
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']);
for (const E of [Error, TypeError, SyntaxError, EvalError, RangeError, ReferenceError, URIError,
  AggregateError, ExpressionError, NeedZone, NeedData]) {
  overridable(E.prototype, ['name', 'message', 'constructor', 'toString']);
}
overridable(Function.prototype, ['toString', 'name']);
overridable(Array.prototype, ['toString', 'constructor']);
function harden(...roots) {
  const seen = new Set();
  const todo = roots;
  while (todo.length) {
    const value = todo.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    Object.freeze(value);
    todo.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      if (desc) todo.push(desc.value, desc.get, desc.set);
    }
  }
}
// Called by the host once it has taken its functions off the global object.
host.harden = () => harden(globalThis, GLOBALS, DYNAMIC, CODE_NAMES, inputProxy, nodeByName,
  envProxy, consoleProxy, nodeProxy, items, ...FUNCTIONS, [][Symbol.iterator](), new Map().entries(),
  new Set().values(), ''[Symbol.iterator](), /x/[Symbol.matchAll](''), Promise.resolve());
