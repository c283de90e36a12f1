// privaudit agent, the logic: which Java methods to hook and what each call reports.
//
// Pure JavaScript with no Frida globals: everything the runtime provides (the Java bridge, `send`,
// the clock, the thread id) comes in through `createAgent(env)`, so the Node tests can drive this
// file with a stand-in for Frida's Java API (test/agent.test.js). `index.js` is the thin Frida entry.
//
// Protocol (driver = privaudit/capture.py):
//   driver -> agent  {type: "config", payload: {package, salt, apis, impl_classes, policy_words, ...}}
//                    {type: "ping", host}
//   agent -> driver  {type: "hello", agent, java_available, android}
//                    {type: "ready", hooked, absent, abstract, failed, fields_via_uri, fields_unhookable, ...}
//                    {type: "event", event: {t, kind, ...privaudit-trace event fields}, tap?, scan?}
//                    {type: "pong", host, t}
//                    {type: "warning", message}
// Events follow docs/trace-format.md ("privaudit-trace 1"); t is Date.now() / 1000 (clock "epoch").
// Raw identifiers never leave the process: return values and identifier-like arguments are sent as
// "sha256:" + the first 16 hex digits of SHA-256(salt + value).

export const AGENT_NAME = "privaudit-agent";
export const AGENT_VERSION = 1;

const MAX_STACK = 64; // frames kept per event
const MAX_VIEWS = 1500; // views visited when reading a screen
const MAX_LABEL = 80; // characters of a tapped control's label
const SCREEN_SCAN_GAP_S = 1.0; // two scans of the same activity closer than this are one
const RETRY_GAP_S = 5.0; // minimum time between two attempts to hook classes that were absent
const MAX_IMPL_CANDIDATES = 300; // loaded classes examined when looking for an interface's implementations
const MAX_RETRIES = 20; // attempts to hook what was absent (class loaders), each at most every RETRY_GAP_S
const MAX_IMPL_SCANS = 3; // attempts to find implementations of interfaces among the loaded classes
const PLATFORM = ["android.", "java.", "javax.", "dalvik.", "com.android."]; // boot classes: present at start or never

// ------------------------------------------------------------------ small pure helpers

/** "Landroid/provider/Settings$Secure;" -> "android.provider.Settings$Secure" */
export function descriptorToClass(descriptor) {
  if (typeof descriptor !== "string" || !descriptor.startsWith("L") || !descriptor.endsWith(";")) {
    throw new Error(`not a class descriptor: ${descriptor}`);
  }
  return descriptor.slice(1, -1).replace(/\//g, ".");
}

/** "android.provider.Settings$Secure" + "getString" -> "Settings.Secure.getString" */
export function readableName(className, member) {
  const simple = className.slice(className.lastIndexOf(".") + 1).replace(/\$/g, ".");
  return `${simple}.${member}`;
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function utf8(text) {
  const out = [];
  for (const ch of String(text)) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** SHA-256 of the UTF-8 bytes of `text`, as 64 hex digits (no runtime crypto needed). */
export function sha256Hex(text) {
  const bytes = utf8(text);
  const bitLength = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  const hi = Math.floor(bitLength / 0x100000000);
  const lo = bitLength >>> 0;
  bytes.push((hi >>> 24) & 255, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255);
  bytes.push((lo >>> 24) & 255, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < bytes.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i] + w[i]) >>> 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
}

/** NFKC, lower case, inner runs of white space collapsed (enough for a substring test of policy words). */
export function foldText(text) {
  let s = String(text);
  try {
    s = s.normalize("NFKC");
  } catch (e) {
    // a runtime without ICU: compare as is
  }
  return s.toLowerCase().split(/\s+/).filter((x) => x).join(" ");
}

// A short string with no digit run of 5+ and no "@": a constant such as "android_id", "gps",
// "content://sms/inbox" or a permission name. Anything else in an argument is hashed.
const SAFE_TOKEN = /^[A-Za-z_][A-Za-z0-9_.:/$\-]{0,159}$/;
const LONG_DIGITS = /\d{5,}/;

function isSafeToken(s) {
  return SAFE_TOKEN.test(s) && !LONG_DIGITS.test(s);
}

/** Mask digit runs of 7+ and e-mail addresses in a UI label (a tapped list item can hold a number). */
export function maskLabel(text) {
  let s = String(text).replace(/\s+/g, " ").trim();
  s = s.replace(/\d{7,}/g, (m) => `<${m.length} digits>`).replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "<email>");
  return s.length > MAX_LABEL ? s.slice(0, MAX_LABEL - 1) + "…" : s;
}

// ------------------------------------------------------------------ the agent

export function createAgent(env) {
  const Java = env.Java;
  const send = env.send;
  const now = env.now || (() => Date.now() / 1000);
  const threadId = env.threadId || (() => 0);
  let config = null;
  let salt = "";
  let policyWords = [];
  let pkg = null;
  let started = false;

  const classCache = new Map(); // class name -> wrapper (or null when absent)
  const depth = new Map(); // "category:thread id" -> nesting depth of reported calls (nested ones are not reported)
  const report = {
    hooked: {}, // api id -> number of overloads hooked
    absent: [], // api ids whose class or member is not in this process
    abstract: [], // api ids whose member is abstract / an interface method with no implementation found
    failed: [], // {id, error}
    fields_via_uri: [], // field entries reported through ContentResolver.query on their Uri
    fields_unhookable: [], // field entries Frida cannot see (static or instance field reads)
    ui_hooks: [], // lifecycle / permission / tap hooks installed
    ui_failed: [],
  };
  const pending = []; // {group, classes} absent at start, retried later
  const uriFields = []; // {prefix, entry}
  let lastRetry = -Infinity;
  let retries = 0;
  let implScans = 0;
  let startedActivities = 0;
  let currentActivity = null;
  const lastScan = new Map(); // activity -> t of the last screen scan

  // -------------------------------------------------------------- messages

  function emit(event, extra) {
    const msg = { type: "event", event };
    if (extra) Object.assign(msg, extra);
    send(msg);
  }

  function warn(message) {
    send({ type: "warning", message: String(message) });
  }

  function hashValue(value) {
    return "sha256:" + sha256Hex(salt + String(value)).slice(0, 16);
  }

  // -------------------------------------------------------------- Java helpers

  function use(name, factory) {
    const f = factory || Java;
    const key = factory ? null : name;
    if (key !== null && classCache.has(key)) return classCache.get(key);
    if (!f) return null;
    let wrapper = null;
    try {
      wrapper = f.use(name);
    } catch (e) {
      wrapper = null;
    }
    if (key !== null) classCache.set(key, wrapper);
    return wrapper;
  }

  function isInstance(obj, className) {
    const w = use(className);
    if (w === null || obj === null || obj === undefined) return false;
    try {
      return !!w.class.isInstance(obj);
    } catch (e) {
      return false;
    }
  }

  function cast(obj, className) {
    return Java.cast(obj, use(className));
  }

  function str(x) {
    if (x === null || x === undefined) return null;
    return "" + x.toString();
  }

  function threadName() {
    try {
      return str(use("java.lang.Thread").currentThread().getName());
    } catch (e) {
      return null;
    }
  }

  function javaStack() {
    const frames = [];
    try {
      const elements = use("java.lang.Throwable").$new().getStackTrace();
      const n = Math.min(elements.length, MAX_STACK);
      for (let i = 0; i < n; i++) {
        const el = elements[i];
        const line = el.getLineNumber();
        frames.push({
          class: str(el.getClassName()),
          method: str(el.getMethodName()),
          file: str(el.getFileName()),
          line: typeof line === "number" && line >= 0 ? line : null,
        });
      }
    } catch (e) {
      // no stack: the event is still worth sending
    }
    return frames;
  }

  function activityName(activity) {
    try {
      return str(activity.getComponentName().flattenToShortString());
    } catch (e) {
      try {
        return str(activity.getClass().getName());
      } catch (e2) {
        return null;
      }
    }
  }

  // -------------------------------------------------------------- summaries (never raw identifiers)

  function className(obj) {
    try {
      if (obj.$className) return obj.$className;
      return str(obj.getClass().getName());
    } catch (e) {
      return "object";
    }
  }

  function bytesHex(arr) {
    return Array.from(arr, (b) => ((b & 255) + 0x100).toString(16).slice(1)).join(":");
  }

  // Object arrays arrive as JS arrays; primitive arrays (byte[], int[]) as array-like proxies with a length.
  function isArrayLike(v) {
    return Array.isArray(v) || (typeof v === "object" && typeof v.length === "number" && v.$className === undefined);
  }

  function summariseArg(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "boolean") return String(v);
    if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 100000 ? String(v) : hashValue(v);
    if (typeof v === "string") return isSafeToken(v) ? JSON.stringify(v) : hashValue(v);
    if (isArrayLike(v)) {
      const items = Array.from(v);
      if (items.every((x) => typeof x === "string")) return "[" + items.map(summariseArg).join(", ") + "]";
      return `<array length=${items.length}>`;
    }
    const cls = className(v);
    if (/\.Uri(\$|$)/.test(cls) || cls === "android.net.Uri") {
      const text = str(v);
      return isSafeToken(text) ? JSON.stringify(text) : `<${cls} ${hashValue(text)}>`;
    }
    return `<${cls}>`;
  }

  function summariseResult(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "boolean") return String(v);
    if (typeof v === "number" || typeof v === "string") return hashValue(v);
    if (isArrayLike(v)) {
      const items = Array.from(v);
      if (items.length && items.every((x) => typeof x === "number")) {
        return `<array length=${items.length} ${hashValue(bytesHex(items))}>`;
      }
      return `<array length=${items.length}>`;
    }
    const cls = className(v);
    try {
      if (typeof v.size === "function") return `<${cls} size=${v.size()}>`;
    } catch (e) {
      // not a collection after all
    }
    return `<${cls}>`;
  }

  function argStrings(args) {
    const out = [];
    for (const a of args) {
      if (typeof a === "string") out.push(a);
      else if (a !== null && a !== undefined && typeof a === "object" && !Array.isArray(a)) {
        const cls = className(a);
        if (/Uri/.test(cls)) {
          try {
            out.push(str(a));
          } catch (e) {
            // ignore
          }
        }
      }
    }
    return out;
  }

  // -------------------------------------------------------------- the per-thread guard

  function enter(key) {
    const d = depth.get(key) || 0;
    depth.set(key, d + 1);
    return d === 0;
  }

  function leave(key) {
    const d = (depth.get(key) || 1) - 1;
    if (d === 0) depth.delete(key);
    else depth.set(key, d);
  }

  /** Run the original; report with `onReturn(t, result, error)` only for the outermost call of `category` on this
   *  thread: getImei() calling getImei(int), or ActivityCompat.requestPermissions calling Activity.requestPermissions,
   *  is one event. Categories are separate, so an app's read inside another hooked method is still reported. */
  function guarded(original, self, args, onReturn, category = "api") {
    const t = now();
    const key = `${category}:${threadId()}`;
    const outer = enter(key);
    let result;
    let error = null;
    try {
      result = original.apply(self, args);
    } catch (e) {
      error = e;
    } finally {
      leave(key);
    }
    if (outer) {
      try {
        onReturn(t, result, error);
      } catch (e) {
        warn(`report failed: ${e}`);
      }
    }
    if (error !== null) throw error;
    return result;
  }

  // -------------------------------------------------------------- catalogue hooks

  function selectEntries(group, args) {
    const chosen = group.entries.filter((e) => !e.requires_string);
    const needy = group.entries.filter((e) => e.requires_string);
    if (needy.length === 0 && !group.uriFields) return chosen;
    const strings = argStrings(args);
    for (const e of needy) {
      const req = e.requires_string;
      if (strings.some((s) => s === req || s.startsWith(req))) chosen.push(e);
    }
    if (chosen.length === 0 && group.uriFields) {
      let best = null;
      for (const f of uriFields) {
        if (strings.some((s) => s.startsWith(f.prefix)) && (best === null || f.prefix.length > best.prefix.length)) {
          best = f;
        }
      }
      if (best !== null) chosen.push(best.entry);
    }
    return chosen;
  }

  // A Java exception reaches JS as an Error whose message is the throwable's toString() ("java.lang.
  // SecurityException: …") and whose $h is the throwable; rethrowing it hands the same throwable to the app.
  function errorName(error) {
    const m = /^([\w.$]+(?:Exception|Error))\b/.exec(String(error && error.message ? error.message : error));
    return m ? m[1] : "an exception";
  }

  function reportApiCall(group, t, args, result, error) {
    const entries = selectEntries(group, args);
    if (entries.length === 0) return;
    const stack = javaStack();
    const thread = threadName();
    const argSummary = args.length ? args.map(summariseArg).join(", ") : "";
    const resultSummary = error !== null ? `threw ${errorName(error)}` : summariseResult(result);
    for (const entry of entries) {
      emit({
        t,
        kind: "api_call",
        api_id: entry.id,
        api: group.api,
        pi_types: entry.pi_types.slice(),
        thread,
        stack,
        args: argSummary,
        result: resultSummary,
      });
    }
  }

  function declaredSignatures(wrapper, member) {
    // sig -> abstract? for the methods `member` declared by this very class; null when reflection fails
    try {
      const out = new Map();
      const methods = wrapper.class.getDeclaredMethods();
      for (let i = 0; i < methods.length; i++) {
        const m = methods[i];
        if (str(m.getName()) !== member) continue;
        const params = m.getParameterTypes();
        const names = [];
        for (let j = 0; j < params.length; j++) names.push(str(params[j].getName()));
        out.set(names.join(","), (m.getModifiers() & 0x400) !== 0);
      }
      return out;
    } catch (e) {
      return null;
    }
  }

  function signature(overload) {
    return (overload.argumentTypes || []).map((t) => t.className).join(",");
  }

  /** Hook every concrete overload of `member` in `wrapper`; returns {hooked, abstract, missing}. */
  function hookOverloads(wrapper, member, inheritedToo, makeImpl) {
    const method = wrapper[member];
    if (method === undefined || method === null || !method.overloads) return { hooked: 0, abstract: 0, missing: true };
    const declared = declaredSignatures(wrapper, member);
    let hooked = 0;
    let abstract = 0;
    for (const ov of method.overloads) {
      if (declared !== null) {
        const sig = signature(ov);
        if (declared.has(sig)) {
          if (declared.get(sig)) {
            abstract++;
            continue;
          }
        } else if (!inheritedToo) {
          continue; // inherited: hooked where it is declared
        }
      }
      ov.implementation = makeImpl(ov);
      hooked++;
    }
    return { hooked, abstract, missing: false };
  }

  function hookGroup(group, factory) {
    const targets = [group.className].concat(config.impl_classes[group.className] || []);
    let hooked = 0;
    let abstract = 0;
    let present = false;
    let classFound = false;
    const errors = [];
    targets.forEach((name, i) => {
      const wrapper = use(name, factory);
      if (wrapper === null) return;
      classFound = true;
      try {
        const r = hookOverloads(wrapper, group.member, i === 0, (ov) => function (...args) {
          return guarded(ov, this, args, (t, result, error) => reportApiCall(group, t, args, result, error));
        });
        if (!r.missing) present = true;
        hooked += r.hooked;
        abstract += r.abstract;
      } catch (e) {
        present = true;
        errors.push(`${name}.${group.member}: ${e.message || e}`);
      }
    });
    return { present, classFound, hooked, abstract, errors };
  }

  function recordGroup(group, r) {
    const ids = group.entries.map((e) => e.id);
    if (r.hooked > 0) {
      for (const id of ids) report.hooked[id] = r.hooked;
      for (const id of ids) {
        remove(report.absent, id);
        remove(report.abstract, id);
      }
      return true;
    }
    if (r.errors.length) {
      for (const id of ids) report.failed.push({ id, error: r.errors.join("; ") });
      return true;
    }
    if (r.present && r.abstract > 0) {
      for (const id of ids) if (!report.abstract.includes(id)) report.abstract.push(id);
      return false;
    }
    for (const id of ids) if (!report.absent.includes(id)) report.absent.push(id);
    return false;
  }

  function remove(list, item) {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  }

  function installCatalogue() {
    const groups = new Map();
    for (const entry of config.apis) {
      let cls;
      try {
        cls = descriptorToClass(entry.class);
      } catch (e) {
        report.failed.push({ id: entry.id, error: e.message });
        continue;
      }
      if (entry.kind === "field") {
        installField(entry, cls);
        continue;
      }
      const key = `${cls}#${entry.member}`;
      if (!groups.has(key)) {
        groups.set(key, { className: cls, member: entry.member, api: readableName(cls, entry.member), entries: [] });
      }
      groups.get(key).entries.push(entry);
    }
    if (uriFields.length) {
      const key = "android.content.ContentResolver#query";
      if (!groups.has(key)) {
        groups.set(key, { className: "android.content.ContentResolver", member: "query",
          api: "ContentResolver.query", entries: [] });
      }
      groups.get(key).uriFields = true;
    }
    for (const group of groups.values()) {
      const r = hookGroup(group, null);
      // worth another try later: an app/SDK class not loaded yet, or an interface whose implementation may load
      const bootClass = PLATFORM.some((p) => group.className.startsWith(p));
      const later = (!r.classFound && !bootClass) || (r.hooked === 0 && r.abstract > 0);
      if (!recordGroup(group, r) && group.entries.length && later) pending.push(group);
    }
  }

  function installField(entry, cls) {
    const wrapper = use(cls);
    if (wrapper === null) {
      report.absent.push(entry.id);
      return;
    }
    let value = null;
    try {
      const field = wrapper[entry.member];
      if (field === undefined || field === null) {
        report.absent.push(entry.id); // e.g. Browser.BOOKMARKS_URI, removed in Android 6
        return;
      }
      value = field.value;
    } catch (e) {
      value = null; // an instance field: there is no value to read from the class
    }
    const text = value !== null && value !== undefined && typeof value === "object" ? str(value) : null;
    if (text !== null && text.startsWith("content://")) {
      uriFields.push({ prefix: text, entry });
      report.fields_via_uri.push({ id: entry.id, uri: text });
    } else {
      report.fields_unhookable.push(entry.id);
    }
  }

  /** Hook what was absent at start: classes loaded later by another class loader, implementations of interfaces. */
  function retryPending(force) {
    if (pending.length === 0) return 0;
    const t = now();
    if (!force && (t - lastRetry < RETRY_GAP_S || retries >= MAX_RETRIES)) return 0;
    lastRetry = t;
    retries++;
    const scanImpl = implScans < MAX_IMPL_SCANS;
    if (scanImpl) implScans++;
    let factories = [];
    try {
      if (typeof Java.enumerateClassLoadersSync === "function" && Java.ClassFactory) {
        factories = Java.enumerateClassLoadersSync().map((loader) => Java.ClassFactory.get(loader));
      }
    } catch (e) {
      factories = [];
    }
    let fixed = 0;
    for (let i = pending.length - 1; i >= 0; i--) {
      const group = pending[i];
      for (const name of [group.className].concat(config.impl_classes[group.className] || [])) {
        if (classCache.get(name) === null) classCache.delete(name); // absent then; maybe loaded since
      }
      let done = false;
      for (const factory of [null].concat(factories)) {
        const r = hookGroup(group, factory);
        if (r.hooked > 0) {
          recordGroup(group, r);
          done = true;
          break;
        }
      }
      if (!done && scanImpl && report.abstract.includes(group.entries[0].id)) {
        done = hookImplementations(group, factories);
      }
      if (done) {
        pending.splice(i, 1);
        fixed++;
      }
    }
    if (fixed) send(Object.assign({ type: "hooks_added" }, snapshot()));
    return fixed;
  }

  /** Loaded classes under `prefix` that may declare `member`: Frida's method query where it has one. */
  function candidateClasses(prefix, member) {
    if (typeof Java.enumerateMethods === "function") {
      try {
        const names = new Set();
        for (const g of Java.enumerateMethods(`${prefix}*!${member}`)) for (const c of g.classes) names.add(c.name);
        return [...names];
      } catch (e) {
        // fall back to the class list
      }
    }
    try {
      return Java.enumerateLoadedClassesSync().filter((n) => n.startsWith(prefix));
    } catch (e) {
      return [];
    }
  }

  /** An interface (FusedLocationProviderClient, IdSupplier …): hook the loaded classes that implement it. */
  function hookImplementations(group, factories) {
    if (typeof Java.enumerateLoadedClassesSync !== "function") return false;
    const iface = use(group.className);
    if (iface === null) return false;
    const parts = group.className.split(".");
    const prefix = parts.slice(0, Math.min(3, parts.length - 1)).join(".") + ".";
    const names = candidateClasses(prefix, group.member).filter((n) => n !== group.className);
    let hooked = 0;
    for (const name of names.slice(0, MAX_IMPL_CANDIDATES)) {
      for (const factory of [null].concat(factories)) {
        const w = use(name, factory);
        if (w === null) continue;
        let assignable = false;
        try {
          assignable = !!iface.class.isAssignableFrom(w.class) && !w.class.isInterface();
        } catch (e) {
          assignable = false;
        }
        if (!assignable) continue;
        try {
          hooked += hookOverloads(w, group.member, false, (ov) => function (...args) {
            return guarded(ov, this, args, (t, result, error) => reportApiCall(group, t, args, result, error));
          }).hooked;
        } catch (e) {
          // an implementation we cannot hook: keep looking
        }
        break;
      }
    }
    if (hooked > 0) recordGroup(group, { present: true, hooked, abstract: 0, errors: [] });
    return hooked > 0;
  }

  // -------------------------------------------------------------- permissions, lifecycle, taps, screens

  function hookPlatform(className, member, makeImpl, label) {
    const wrapper = use(className);
    const name = label || `${className.slice(className.lastIndexOf(".") + 1)}.${member}`;
    if (wrapper === null) return false;
    try {
      const r = hookOverloads(wrapper, member, true, makeImpl);
      if (r.hooked > 0) {
        report.ui_hooks.push(name);
        return true;
      }
    } catch (e) {
      report.ui_failed.push(`${name}: ${e.message || e}`);
    }
    return false;
  }

  function permissionRequest(activity, permissions, requestCode, t) {
    const list = [];
    if (permissions) for (let i = 0; i < permissions.length; i++) list.push(str(permissions[i]));
    emit({
      t,
      kind: "permission_request",
      permissions: list,
      activity: activity ? activityName(activity) : currentActivity,
      thread: threadName(),
      stack: javaStack(),
      detail: `requestCode=${requestCode}`,
    });
  }

  function permissionResults(activity, names, results, t, how) {
    const who = activity ? activityName(activity) : currentActivity;
    const n = names ? names.length : 0;
    if (n === 0) {
      emit({ t, kind: "permission_result", permissions: [], granted: null, activity: who,
        detail: `${how}: request cancelled, no result` });
      return;
    }
    for (let i = 0; i < n; i++) {
      const r = results && i < results.length ? results[i] : null;
      emit({ t, kind: "permission_result", permissions: [str(names[i])], granted: r === null ? null : r === 0,
        activity: who, detail: `${how}: result=${r}` });
    }
  }

  function installPermissionHooks() {
    // Activity.requestPermissions is where every path ends (ActivityCompat, Fragment, ActivityResult API);
    // ActivityCompat is hooked as well for the caller's stack on old support libraries. The guard keeps it one event.
    hookPlatform("android.app.Activity", "requestPermissions", (ov) => function (...args) {
      const self = this;
      return guarded(ov, self, args, (t) => permissionRequest(self, args[0], args[1], t), "permission");
    });
    // the framework Fragment's path does not go through Activity.requestPermissions
    hookPlatform("android.app.Activity", "requestPermissionsFromFragment", (ov) => function (...args) {
      const self = this;
      return guarded(ov, self, args, (t) => permissionRequest(self, args[1], args[2], t), "permission");
    });
    for (const compat of ["androidx.core.app.ActivityCompat", "android.support.v4.app.ActivityCompat"]) {
      hookPlatform(compat, "requestPermissions", (ov) => function (...args) {
        return guarded(ov, this, args, (t) => permissionRequest(args[0], args[1], args[2], t), "permission");
      }, `${compat}.requestPermissions`);
    }
    // The result: Activity.dispatchRequestPermissionsResult(int, Intent) runs for every result, whether or
    // not the app's own onRequestPermissionsResult calls super; the Intent carries names and grant results.
    // Reported before the app's callback runs, so the reads the app makes once granted come after it.
    const onDispatch = (how) => (ov) => function (...args) {
      try {
        const data = args[1];
        let names = null;
        let results = null;
        if (data !== null && data !== undefined) {
          names = data.getStringArrayExtra("android.content.pm.extra.REQUEST_PERMISSIONS_NAMES");
          results = data.getIntArrayExtra("android.content.pm.extra.REQUEST_PERMISSIONS_RESULTS");
        }
        permissionResults(this, names, results, now(), how);
      } catch (e) {
        warn(`permission result report failed: ${e}`);
      }
      return ov.apply(this, args);
    };
    const viaDispatch = hookPlatform("android.app.Activity", "dispatchRequestPermissionsResult",
      onDispatch("dispatchRequestPermissionsResult"));
    hookPlatform("android.app.Activity", "dispatchRequestPermissionsResultToFragment",
      onDispatch("dispatchRequestPermissionsResultToFragment"));
    if (!viaDispatch) {
      hookPlatform("android.app.Activity", "onRequestPermissionsResult", (ov) => function (...args) {
        permissionResults(this, args[1], args[2], now(), "onRequestPermissionsResult");
        return ov.apply(this, args);
      });
    }
  }

  function installLifecycleHooks() {
    hookPlatform("android.app.Activity", "onStart", (ov) => function (...args) {
      const t = now();
      startedActivities++;
      if (startedActivities === 1) {
        emit({ t, kind: "lifecycle", state: "foreground", activity: activityName(this),
          detail: `package=${pkg}; first activity started` });
      }
      return ov.apply(this, args);
    });
    hookPlatform("android.app.Activity", "onStop", (ov) => function (...args) {
      const result = ov.apply(this, args);
      startedActivities = Math.max(0, startedActivities - 1);
      if (startedActivities === 0) {
        emit({ t: now(), kind: "lifecycle", state: "background", activity: activityName(this),
          detail: `package=${pkg}; last activity stopped` });
      }
      return result;
    });
    hookPlatform("android.app.Activity", "onResume", (ov) => function (...args) {
      const t = now();
      const result = ov.apply(this, args);
      const name = activityName(this);
      currentActivity = name;
      emit({ t, kind: "screen", activity: name, detail: `package=${pkg}; resumed` });
      try {
        scanScreen(this.getWindow().getDecorView(), name, "activity resumed", t);
      } catch (e) {
        // no window yet
      }
      retryPending(false);
      return result;
    });
    hookPlatform("android.app.Dialog", "show", (ov) => function (...args) {
      const result = ov.apply(this, args);
      try {
        scanScreen(this.getWindow().getDecorView(), currentActivity, "dialog shown", now());
      } catch (e) {
        // a dialog without a window
      }
      return result;
    });
  }

  function children(view) {
    if (!isInstance(view, "android.view.ViewGroup")) return [];
    const group = cast(view, "android.view.ViewGroup");
    const out = [];
    const n = group.getChildCount();
    for (let i = 0; i < n; i++) out.push(group.getChildAt(i));
    return out;
  }

  function visible(view) {
    try {
      return view.getVisibility() === 0;
    } catch (e) {
      return true;
    }
  }

  function ownText(view) {
    if (isInstance(view, "android.widget.TextView")) {
      const text = str(cast(view, "android.widget.TextView").getText());
      if (text && text.trim()) return text;
    }
    return null;
  }

  function walk(root, visit) {
    const stack = [root];
    let n = 0;
    while (stack.length && n < MAX_VIEWS) {
      const v = stack.pop();
      n++;
      if (v === null || v === undefined || !visible(v)) continue;
      visit(v);
      const kids = children(v);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
  }

  function namesPolicy(text) {
    const folded = foldText(text);
    return policyWords.some((w) => folded.includes(w));
  }

  function policyOnScreen(root) {
    let found = false;
    walk(root, (v) => {
      if (found) return;
      const text = ownText(v);
      if (text && namesPolicy(text)) found = true;
    });
    return found;
  }

  /** Read a screen: does it name the policy, which short controls does it offer? (the driver decides consent_shown) */
  function scanScreen(root, activity, why, t) {
    if (root === null || root === undefined) return;
    const key = `${activity}|${why}`;
    if (why === "activity resumed" && t - (lastScan.get(key) || -Infinity) < SCREEN_SCAN_GAP_S) return;
    lastScan.set(key, t);
    let policy = false;
    const controls = [];
    walk(root, (v) => {
      const text = ownText(v);
      if (!text) return;
      if (!policy && namesPolicy(text)) policy = true;
      let clickable = false;
      try {
        clickable = !!v.isClickable();
      } catch (e) {
        clickable = false;
      }
      if (clickable && text.length <= 40 && controls.length < 30) controls.push(maskLabel(text));
    });
    if (!policy) return; // only screens that name the policy are of interest
    send({ type: "scan", t, activity, why, policy_on_screen: policy, controls });
  }

  function viewLabel(view) {
    const own = ownText(view);
    if (own) return own;
    const texts = [];
    let n = 0;
    const stack = children(view);
    while (stack.length && n < 50) {
      const v = stack.shift();
      n++;
      if (!visible(v)) continue;
      const t = ownText(v);
      if (t) texts.push(t.trim());
      for (const k of children(v)) stack.push(k);
    }
    if (texts.length) return texts.join(" ");
    try {
      const cd = view.getContentDescription();
      if (cd !== null && cd !== undefined) return str(cd);
    } catch (e) {
      // none
    }
    return null;
  }

  function resourceId(view) {
    try {
      const id = view.getId();
      if (id === -1 || id === 0) return null;
      const res = view.getResources();
      return `${str(res.getResourcePackageName(id))}:id/${str(res.getResourceEntryName(id))}`;
    } catch (e) {
      return null;
    }
  }

  function reportTap(view, t) {
    const label = viewLabel(view);
    const cls = className(view);
    const simple = cls.slice(cls.lastIndexOf(".") + 1);
    const rid = resourceId(view);
    const checkable = isInstance(view, "android.widget.CompoundButton");
    let checked = null;
    if (checkable) {
      try {
        checked = !!cast(view, "android.widget.CompoundButton").isChecked();
      } catch (e) {
        checked = null;
      }
    }
    let policy = false;
    try {
      policy = policyOnScreen(view.getRootView());
    } catch (e) {
      policy = false;
    }
    const shown = label === null ? null : maskLabel(label);
    const where = [rid, simple].filter((x) => x).join(" ");
    emit({
      t,
      kind: "user_action",
      activity: currentActivity,
      detail: shown === null ? `tap (${where})` : `tap ${JSON.stringify(shown)} (${where})`,
    }, { tap: { label: shown, view_class: cls, resource_id: rid, checkable, checked, policy_on_screen: policy } });
  }

  function installTapHooks() {
    // View.performClick runs for every click delivered through the click machinery (Button, TextView,
    // CheckBox after its toggle, clickable layouts). Taps handled only by onTouch listeners are not seen.
    hookPlatform("android.view.View", "performClick", (ov) => function (...args) {
      const t = now();
      const self = this;
      const result = ov.apply(self, args);
      try {
        reportTap(self, t);
      } catch (e) {
        warn(`tap report failed: ${e}`);
      }
      return result;
    });
  }

  // -------------------------------------------------------------- entry points

  function snapshot() {
    return JSON.parse(JSON.stringify(report));
  }

  function install(cfg) {
    config = Object.assign({ impl_classes: {}, policy_words: [], apis: [] }, cfg);
    salt = typeof config.salt === "string" ? config.salt : "";
    pkg = config.package || null;
    policyWords = (config.policy_words || []).map(foldText).filter((w) => w);
    installCatalogue();
    installPermissionHooks();
    installLifecycleHooks();
    installTapHooks();
    const ready = Object.assign({ type: "ready", agent: `${AGENT_NAME}/${AGENT_VERSION}`, t: now() }, snapshot());
    send(ready);
    return ready;
  }

  function start(cfg) {
    if (started) {
      warn("config received twice; the second one is ignored");
      return;
    }
    started = true;
    pkg = (cfg && cfg.package) || null;
    emit({ t: now(), kind: "lifecycle", state: "start",
      detail: `package=${pkg}; process spawned by privaudit capture, agent loaded before the app ran (cold start)` });
    if (!Java || !Java.available) {
      send({ type: "fatal", message: "no Java runtime in this process (Java.available is false)" });
      return;
    }
    Java.perform(() => {
      try {
        install(cfg);
      } catch (e) {
        send({ type: "fatal", message: `installing the hooks failed: ${e.stack || e}` });
      }
    });
  }

  function handle(message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "config") start(message.payload || {});
    else if (message.type === "ping") send({ type: "pong", host: message.host, t: now() });
    else if (message.type === "retry") {
      if (Java && Java.available) Java.perform(() => retryPending(true));
    }
  }

  function hello(extra) {
    let available = false;
    let android = null;
    try {
      available = !!(Java && Java.available);
    } catch (e) {
      available = false;
    }
    try {
      android = available && Java.androidVersion ? String(Java.androidVersion) : null;
    } catch (e) {
      android = null; // not Android (a desktop JVM)
    }
    send(Object.assign({ type: "hello", agent: `${AGENT_NAME}/${AGENT_VERSION}`, java_available: available, android },
      extra || {}));
  }

  return { start, handle, hello, install, retryPending, report, hashValue };
}
