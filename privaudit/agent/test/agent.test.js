// The agent's logic (src/core.js) driven by a stand-in for Frida's Java API. Run: node --test test/
//
// The stand-in mimics what the agent uses of frida-java-bridge: Java.use(name) returns a class wrapper
// whose methods have `overloads`, each overload callable as the original (`ov.apply(self, args)`) and with
// an `implementation` setter (recorded here); `argumentTypes[i].className`; `wrapper.class` with
// isInstance / getDeclaredMethods (abstract = modifier 0x400) / isAssignableFrom / isInterface; static
// fields as `wrapper.FIELD.value`; Java.cast, Java.perform, Java.enumerateClassLoadersSync,
// Java.ClassFactory.get(loader).use, Java.enumerateLoadedClassesSync; Throwable.$new().getStackTrace().
// An "app call" goes through the implementation when one is set, as a hooked ART method would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { createAgent, descriptorToClass, sha256Hex, maskLabel, readableName } from "../src/core.js";

const CATALOGUE = JSON.parse(readFileSync(new URL("../../catalog/sensitive_apis.json", import.meta.url), "utf8")).apis;
const METHODS = CATALOGUE.filter((a) => a.kind === "method");
const SALT = "test-salt";
const IMEI = "861234567890123";
const CONSENT_POLICY_WORDS = ["隐私政策", "用户协议", "privacy policy"];
const ABSTRACT = 0x400;

// ------------------------------------------------------------------ the stand-in

class FakeJava {
  constructor() {
    this.available = true;
    this.androidVersion = "11";
    this.classes = new Map(); // name -> {spec, wrapper, hidden}
    this.hooks = []; // {cls, member, sig}
    this.stack = [];
    this.thread = "main";
    this.loaders = []; // [{name, classes: Set}]
    this.loadedExtra = []; // names returned by enumerateLoadedClassesSync
    const self = this;
    this.ClassFactory = {
      get(loader) {
        return { use: (name) => self._use(name, loader) };
      },
    };
    this.define("java.lang.Throwable", {
      statics: {
        $new: () => ({
          getStackTrace: () => self.stack.map((f) => ({
            getClassName: () => f.class,
            getMethodName: () => f.method,
            getFileName: () => f.file,
            getLineNumber: () => (f.line === null ? -2 : f.line),
          })),
        }),
      },
    });
    this.define("java.lang.Thread", { statics: { currentThread: () => ({ getName: () => self.thread }) } });
  }

  /** spec: {methods: {m: [{args: [...], impl, abstract}]}, fields: {F: value}, instanceFields: [..],
   *  isInterface, supers: [names], statics: {name: fn}, hidden} */
  define(name, spec) {
    const entry = { spec, hidden: !!spec.hidden, wrapper: null };
    entry.wrapper = this._wrap(name, spec);
    this.classes.set(name, entry);
    return entry.wrapper;
  }

  _wrap(name, spec) {
    const self = this;
    const supers = [name].concat(spec.supers || []);
    const wrapper = {
      $className: name,
      class: {
        name,
        isInstance: (o) => !!(o && o.$instanceOf && o.$instanceOf.includes(name)),
        isInterface: () => !!spec.isInterface,
        isAssignableFrom: (other) => other.supers.includes(name),
        supers,
        getDeclaredMethods: () => {
          const out = [];
          for (const [m, ovs] of Object.entries(spec.methods || {})) {
            for (const ov of ovs) {
              out.push({
                getName: () => m,
                getModifiers: () => (ov.abstract ? ABSTRACT : 1),
                getParameterTypes: () => ov.args.map((a) => ({ getName: () => a })),
              });
            }
          }
          return out;
        },
      },
    };
    for (const [m, ovs] of Object.entries(spec.methods || {})) {
      const overloads = ovs.map((def) => self._overload(name, m, def));
      wrapper[m] = { overloads };
    }
    for (const [f, value] of Object.entries(spec.fields || {})) wrapper[f] = { value };
    for (const f of spec.instanceFields || []) {
      Object.defineProperty(wrapper, f, {
        get: () => ({ get value() { throw new Error(`${f} is an instance field`); } }),
      });
    }
    Object.assign(wrapper, spec.statics || {});
    return wrapper;
  }

  _overload(cls, member, def) {
    const self = this;
    const original = def.impl || (() => null);
    const ov = function (...args) {
      if (def.abstract) throw new Error(`AbstractMethodError: ${cls}.${member}`);
      return original.apply(this, args);
    };
    ov.argumentTypes = def.args.map((a) => ({ className: a }));
    let impl = null;
    Object.defineProperty(ov, "implementation", {
      get: () => impl,
      set: (fn) => {
        impl = fn;
        self.hooks.push({ cls, member, sig: def.args.join(",") });
      },
    });
    return ov;
  }

  _use(name, loader) {
    const entry = this.classes.get(name);
    const visible = entry && (!entry.hidden || (loader && loader.classes.has(name)));
    if (!visible) throw new Error(`java.lang.ClassNotFoundException: Didn't find class "${name}"`);
    return entry.wrapper;
  }

  use(name) {
    return this._use(name, null);
  }

  cast(obj) {
    return obj;
  }

  perform(fn) {
    fn();
  }

  enumerateClassLoadersSync() {
    return this.loaders;
  }

  enumerateLoadedClassesSync() {
    return [...this.classes.keys()].filter((n) => !this.classes.get(n).hidden).concat(this.loadedExtra);
  }

  /** An app call of cls.member (overload i) on `self`: through the hook when one is installed. */
  call(cls, member, i, self, ...args) {
    const ov = this.classes.get(cls).wrapper[member].overloads[i];
    return (ov.implementation || ov).apply(self, args);
  }

  overloadsOf(cls, member) {
    return this.classes.get(cls).wrapper[member].overloads;
  }
}

// Field values a real device has (the Uri constants of the content providers).
const FIELD_VALUES = {
  "android.provider.ContactsContract$Contacts": "content://com.android.contacts/contacts",
  "android.provider.ContactsContract$CommonDataKinds$Phone": "content://com.android.contacts/data/phones",
  "android.provider.ContactsContract$CommonDataKinds$Email": "content://com.android.contacts/data/emails",
  "android.provider.ContactsContract$Data": "content://com.android.contacts/data",
  "android.provider.ContactsContract$RawContacts": "content://com.android.contacts/raw_contacts",
  "android.provider.ContactsContract$Profile": "content://com.android.contacts/profile",
  "android.provider.CallLog$Calls": "content://call_log/calls",
  "android.provider.Telephony$Sms": "content://sms",
  "android.provider.Telephony$Sms$Inbox": "content://sms/inbox",
  "android.provider.Telephony$Mms": "content://mms",
  "android.provider.CalendarContract$Events": "content://com.android.calendar/events",
  "android.provider.CalendarContract$Calendars": "content://com.android.calendar/calendars",
  "android.provider.Browser": "content://browser/bookmarks",
  "android.provider.MediaStore$Images$Media": "content://media/external/images/media",
  "android.provider.MediaStore$Video$Media": "content://media/external/video/media",
  "android.provider.MediaStore$Audio$Media": "content://media/external/audio/media",
};

function uri(text) {
  return { $className: "android.net.Uri$StringUri", $instanceOf: ["android.net.Uri"], toString: () => text };
}

const INTERFACE = "com.google.android.gms.location.FusedLocationProviderClient";
const INTERFACE_IMPL = "com.google.android.gms.internal.location.zzbi";
const LATE_CLASS = "com.amap.api.location.AMapLocationClient"; // loaded by a second class loader

/** A process with every catalogued class; PackageManager's methods abstract (ApplicationPackageManager
 *  implements them), FusedLocationProviderClient an interface, AMapLocationClient loaded late. */
function makeProcess() {
  const java = new FakeJava();
  const specs = new Map();
  const spec = (name) => {
    if (!specs.has(name)) specs.set(name, { methods: {}, fields: {}, instanceFields: [], supers: [] });
    return specs.get(name);
  };
  const calls = { imei: 0 };
  for (const api of CATALOGUE) {
    const cls = descriptorToClass(api.class);
    const s = spec(cls);
    if (api.kind === "field") {
      if (api.member === "BSSID") s.instanceFields.push(api.member);
      else s.fields[api.member] = FIELD_VALUES[cls] ? uri(FIELD_VALUES[cls]) : "unknown";
      continue;
    }
    if (s.methods[api.member]) continue;
    // two overloads per method, as most of these APIs have (getDeviceId() / getDeviceId(int) …)
    s.methods[api.member] = [
      { args: [], impl: () => `value-of-${api.member}` },
      { args: ["java.lang.Object", "java.lang.Object"], impl: () => null },
    ];
  }
  const tm = spec("android.telephony.TelephonyManager").methods;
  tm.getDeviceId = [
    { args: [], impl: () => { calls.imei++; return IMEI; } },
    { args: ["int"], impl: () => { throw new Error("java.lang.SecurityException: getDeviceId: no READ_PHONE_STATE"); } },
  ];
  tm.getImei = [
    { args: [], impl() { return java.call("android.telephony.TelephonyManager", "getImei", 1, this, 0); } },
    { args: ["int"], impl: () => IMEI },
  ];
  spec("android.provider.Settings$Secure").methods.getString = [
    { args: ["android.content.ContentResolver", "java.lang.String"], impl: (cr, name) => (name === "android_id" ? "9774d56d682e549c" : "x") },
  ];
  spec("android.content.ContentResolver").methods.query = [
    { args: ["android.net.Uri", "[Ljava.lang.String;", "java.lang.String", "[Ljava.lang.String;", "java.lang.String"],
      impl: () => ({ $className: "android.database.CursorWrapper" }) },
    { args: ["android.net.Uri", "[Ljava.lang.String;", "android.os.Bundle", "android.os.CancellationSignal"],
      impl: () => null },
  ];
  spec("java.net.NetworkInterface").methods.getHardwareAddress = [
    { args: [], impl: () => [0x02, 0x00, 0x00, 0x11, 0x22, 0x33] },
  ];
  // PackageManager is abstract; ApplicationPackageManager implements it
  const pm = spec("android.content.pm.PackageManager");
  const apm = spec("android.app.ApplicationPackageManager");
  apm.supers.push("android.content.pm.PackageManager");
  for (const m of Object.keys(pm.methods)) {
    pm.methods[m] = pm.methods[m].map((o) => Object.assign({}, o, { abstract: true }));
    apm.methods[m] = [
      { args: ["int"], impl: () => ({ $className: "java.util.ArrayList", size: () => 42 }) },
      { args: ["android.content.pm.PackageManager$PackageInfoFlags"], impl: () => null },
    ];
  }
  // an interface whose implementation is loaded later
  const fused = spec(INTERFACE);
  fused.isInterface = true;
  for (const m of Object.keys(fused.methods)) fused.methods[m] = fused.methods[m].map((o) => Object.assign({}, o, { abstract: true }));
  spec(LATE_CLASS).hidden = true;

  // the platform classes the agent hooks for permissions, lifecycle, screens and taps
  const activityMethods = {
    requestPermissions: [{ args: ["[Ljava.lang.String;", "int"], impl: () => undefined }],
    dispatchRequestPermissionsResult: [{ args: ["int", "android.content.Intent"],
      impl: () => (java.onPermissionsResult ? java.onPermissionsResult() : undefined) }],
    dispatchRequestPermissionsResultToFragment: [{ args: ["int", "android.content.Intent"], impl: () => undefined }],
    onRequestPermissionsResult: [{ args: ["int", "[Ljava.lang.String;", "[I"], impl: () => undefined }],
    onStart: [{ args: [], impl: () => undefined }],
    onStop: [{ args: [], impl: () => undefined }],
    onResume: [{ args: [], impl: () => undefined }],
  };
  for (const [name, s] of specs) java.define(name, s);
  java.define("android.app.Activity", { methods: activityMethods });
  java.define("androidx.core.app.ActivityCompat", {
    methods: {
      requestPermissions: [{
        args: ["android.app.Activity", "[Ljava.lang.String;", "int"],
        impl: (activity, perms, code) => java.call("android.app.Activity", "requestPermissions", 0, activity, perms, code),
      }],
    },
  });
  java.define("android.app.Dialog", { methods: { show: [{ args: [], impl: () => undefined }] } });
  java.define("android.view.View", { methods: { performClick: [{ args: [], impl: () => true }] } });
  java.define("android.view.ViewGroup", { supers: ["android.view.View"] });
  java.define("android.widget.TextView", { supers: ["android.view.View"] });
  java.define("android.widget.CompoundButton", { supers: ["android.widget.TextView", "android.view.View"] });
  java.define("android.net.Uri", {});
  return { java, calls };
}

function makeAgent(java) {
  const sent = [];
  let clock = 1700000000.0;
  const agent = createAgent({
    Java: java,
    send: (m) => sent.push(JSON.parse(JSON.stringify(m))),
    now: () => (clock += 0.25),
    threadId: () => 1,
  });
  return { agent, sent, events: () => sent.filter((m) => m.type === "event").map((m) => m.event) };
}

function config() {
  return {
    package: "com.example.app",
    salt: SALT,
    apis: CATALOGUE,
    impl_classes: { "android.content.pm.PackageManager": ["android.app.ApplicationPackageManager"] },
    policy_words: CONSENT_POLICY_WORDS,
  };
}

function started() {
  const { java, calls } = makeProcess();
  const a = makeAgent(java);
  a.agent.handle({ type: "config", payload: config() });
  const ready = a.sent.find((m) => m.type === "ready");
  assert.ok(ready, "the agent reports its hooks");
  a.sent.length = 0;
  return { java, calls, ready, ...a };
}

const APP_STACK = [
  { class: "android.telephony.TelephonyManager", method: "getDeviceId", file: null, line: null },
  { class: "com.umeng.commonsdk.statistics.common.DeviceConfig", method: "getImeiNew", file: "DeviceConfig.java", line: 10 },
  { class: "com.example.app.App", method: "onCreate", file: "App.java", line: 31 },
];

// views
function textView(text, extra = {}) {
  const inst = ["android.view.View", "android.widget.TextView"].concat(extra.instanceOf || []);
  return Object.assign({
    $className: extra.className || "android.widget.TextView",
    $instanceOf: inst,
    getText: () => text,
    getVisibility: () => 0,
    isClickable: () => !!extra.clickable,
    getId: () => (extra.id ? 0x7f0a0001 : -1),
    getResources: () => ({ getResourcePackageName: () => "com.example.app", getResourceEntryName: () => extra.id }),
    isChecked: () => !!extra.checked,
  }, extra.props || {});
}

function group(kids) {
  const g = {
    $className: "android.widget.LinearLayout",
    $instanceOf: ["android.view.View", "android.view.ViewGroup"],
    getVisibility: () => 0,
    isClickable: () => false,
    getChildCount: () => kids.length,
    getChildAt: (i) => kids[i],
  };
  for (const k of kids) k.getRootView = () => g.getRootView();
  g.getRootView = () => g;
  return g;
}

function activity(name = "com.example.app/.SplashActivity", decor = null) {
  return {
    $className: "com.example.app.SplashActivity",
    $instanceOf: ["android.app.Activity"],
    getComponentName: () => ({ flattenToShortString: () => name }),
    getWindow: () => ({ getDecorView: () => decor }),
  };
}

// ------------------------------------------------------------------ tests

test("sha256Hex equals node:crypto for ASCII, Chinese and long input", () => {
  for (const text of ["", "abc", IMEI, "同意并继续", "x".repeat(1000), "😀 emoji"]) {
    assert.equal(sha256Hex(text), createHash("sha256").update(text, "utf8").digest("hex"));
  }
});

test("descriptors and readable names", () => {
  assert.equal(descriptorToClass("Landroid/provider/Settings$Secure;"), "android.provider.Settings$Secure");
  assert.equal(readableName("android.provider.Settings$Secure", "getString"), "Settings.Secure.getString");
  assert.throws(() => descriptorToClass("android/os/Build"));
  assert.equal(maskLabel("张三 13812345678"), "张三 <11 digits>");
});

test("every catalogued method is hooked, all overloads; abstract ones through their implementation", () => {
  const { java, ready } = started();
  const hooked = new Set(java.hooks.map((h) => `${h.cls}#${h.member}#${h.sig}`));
  const notYet = new Set([INTERFACE, LATE_CLASS]);
  for (const api of METHODS) {
    const cls = descriptorToClass(api.class);
    if (notYet.has(cls)) continue;
    if (cls === "android.content.pm.PackageManager") {
      for (const ov of java.overloadsOf("android.app.ApplicationPackageManager", api.member)) {
        assert.ok(ov.implementation, `${api.id}: ApplicationPackageManager overload hooked`);
      }
      for (const ov of java.overloadsOf(cls, api.member)) {
        assert.equal(ov.implementation, null, `${api.id}: the abstract method itself is left alone`);
      }
    } else {
      const ovs = java.overloadsOf(cls, api.member);
      assert.ok(ovs.length >= 1);
      for (const ov of ovs) {
        const sig = ov.argumentTypes.map((t) => t.className).join(",");
        assert.ok(hooked.has(`${cls}#${api.member}#${sig}`), `${api.id}: overload (${sig}) hooked`);
      }
    }
    assert.ok(ready.hooked[api.id] >= 1, `${api.id} reported as hooked`);
  }
  const expectedLater = METHODS.filter((a) => notYet.has(descriptorToClass(a.class))).map((a) => a.id).sort();
  assert.deepEqual([...ready.absent, ...ready.abstract].sort(), expectedLater);
  assert.deepEqual(ready.failed, []);
  assert.equal(Object.keys(ready.hooked).length, METHODS.length - expectedLater.length);
});

test("fields: content URIs are reported through ContentResolver.query, the rest are declared unhookable", () => {
  const { ready } = started();
  const viaUri = ready.fields_via_uri.map((f) => f.id);
  assert.ok(viaUri.includes("contacts.Contacts.CONTENT_URI"));
  assert.ok(viaUri.includes("mediastore.Images.EXTERNAL_CONTENT_URI"));
  assert.deepEqual(ready.fields_unhookable.sort(), ["build.SERIAL", "scanresult.BSSID"]);
});

test("a call produces an api_call event: api_id, pi_types, thread, stack frames, hashed result", () => {
  const { java, calls, sent, events } = started();
  java.stack = APP_STACK;
  const tm = { $className: "android.telephony.TelephonyManager" };
  const value = java.call("android.telephony.TelephonyManager", "getDeviceId", 0, tm);
  assert.equal(value, IMEI, "the app still gets the real value");
  assert.equal(calls.imei, 1);
  const [e] = events();
  assert.equal(e.kind, "api_call");
  assert.equal(e.api_id, "telephony.getDeviceId");
  assert.equal(e.api, "TelephonyManager.getDeviceId");
  assert.deepEqual(e.pi_types, ["imei"]);
  assert.equal(e.thread, "main");
  assert.deepEqual(e.stack, APP_STACK);
  assert.equal(e.result, "sha256:" + createHash("sha256").update(SALT + IMEI).digest("hex").slice(0, 16));
  assert.equal(typeof e.t, "number");
  assert.ok(!JSON.stringify(sent).includes(IMEI), "the raw IMEI never leaves the agent");
});

test("identifier-like arguments are hashed, constants kept; byte[] results hashed", () => {
  const { java, events } = started();
  java.call("android.telephony.SubscriptionInfo", "getNumber", 1, {}, "13812345678", "gps");
  java.call("java.net.NetworkInterface", "getHardwareAddress", 0, {});
  const [a, b] = events();
  assert.match(a.args, /^sha256:[0-9a-f]{16}, "gps"$/);
  assert.ok(!a.args.includes("13812345678"));
  assert.match(b.result, /^<array length=6 sha256:[0-9a-f]{16}>$/);
});

test("a call that throws is still an attempt: reported, and the exception reaches the app", () => {
  const { java, events } = started();
  assert.throws(() => java.call("android.telephony.TelephonyManager", "getDeviceId", 1, {}, 0), /SecurityException/);
  const [e] = events();
  assert.equal(e.api_id, "telephony.getDeviceId");
  assert.equal(e.result, "threw java.lang.SecurityException");
});

test("nested calls inside a hooked API are one event (getImei() calls getImei(int))", () => {
  const { java, events } = started();
  assert.equal(java.call("android.telephony.TelephonyManager", "getImei", 0, {}), IMEI);
  assert.equal(events().length, 1);
  assert.equal(events()[0].args, "");
});

test("requires_string: Settings.Secure.getString only for android_id", () => {
  const { java, events } = started();
  const cr = { $className: "android.app.ContextImpl$ApplicationContentResolver" };
  java.call("android.provider.Settings$Secure", "getString", 0, null, cr, "bluetooth_name");
  assert.equal(events().length, 0, "another setting is not an Android ID read");
  java.call("android.provider.Settings$Secure", "getString", 0, null, cr, "android_id");
  const [e] = events();
  assert.equal(e.api_id, "settings_secure.getString.android_id");
  assert.deepEqual(e.pi_types, ["android_id"]);
  assert.equal(e.args, '<android.app.ContextImpl$ApplicationContentResolver>, "android_id"');
  assert.match(e.result, /^sha256:[0-9a-f]{16}$/);
});

test("requires_string: ContentResolver.query by URI; content-URI fields when no method entry matches", () => {
  const { java, events } = started();
  const q = (u) => java.call("android.content.ContentResolver", "query", 0, {}, uri(u), null, null, null, null);
  q("content://settings/system");
  assert.equal(events().length, 0);
  q("content://sms/inbox");
  q("content://com.android.contacts/data/phones");
  q("content://media/external/images/media");
  q("content://com.android.contacts/contacts/1234567");
  const ids = events().map((e) => e.api_id);
  assert.deepEqual(ids, ["contentresolver.query.sms", "contentresolver.query.com_android_contacts",
    "mediastore.Images.EXTERNAL_CONTENT_URI", "contentresolver.query.com_android_contacts"]);
  assert.ok(events()[0].args.startsWith('"content://sms/inbox"'));
  assert.ok(!events()[3].args.includes("1234567"), "a URI with a long number is hashed");
});

test("abstract API: the implementation class reports under the catalogue id", () => {
  const { java, events } = started();
  const n = java.call("android.app.ApplicationPackageManager", "getInstalledPackages", 0, {}, 0);
  assert.equal(n.size(), 42);
  const [e] = events();
  assert.equal(e.api_id, "packagemanager.getInstalledPackages");
  assert.equal(e.result, "<java.util.ArrayList size=42>");
});

test("permission request (through ActivityCompat) is one event; results one per permission", () => {
  const { java, events } = started();
  java.stack = [{ class: "android.app.Activity", method: "requestPermissions", file: "Activity.java", line: 5000 },
    { class: "com.example.app.MainActivity", method: "askLocation", file: "MainActivity.java", line: 77 }];
  const act = activity("com.example.app/.MainActivity");
  const perms = ["android.permission.ACCESS_FINE_LOCATION", "android.permission.READ_PHONE_STATE"];
  java.call("androidx.core.app.ActivityCompat", "requestPermissions", 0, null, act, perms, 7);
  let ev = events();
  assert.equal(ev.length, 1);
  assert.equal(ev[0].kind, "permission_request");
  assert.deepEqual(ev[0].permissions, perms);
  assert.equal(ev[0].activity, "com.example.app/.MainActivity");
  assert.equal(ev[0].stack[1].class, "com.example.app.MainActivity");
  assert.equal(ev[0].detail, "requestCode=7");
  const intent = {
    getStringArrayExtra: (k) => (k === "android.content.pm.extra.REQUEST_PERMISSIONS_NAMES" ? perms : null),
    getIntArrayExtra: (k) => (k === "android.content.pm.extra.REQUEST_PERMISSIONS_RESULTS" ? [0, -1] : null),
  };
  java.call("android.app.Activity", "dispatchRequestPermissionsResult", 0, act, 7, intent);
  ev = events().slice(1);
  assert.deepEqual(ev.map((e) => [e.kind, e.permissions[0], e.granted]), [
    ["permission_result", perms[0], true],
    ["permission_result", perms[1], false],
  ]);
});

test("a read the app makes in its permission callback is reported, after the result", () => {
  const { java, events } = started();
  // the app's onRequestPermissionsResult runs inside dispatchRequestPermissionsResult and reads the IMEI
  java.onPermissionsResult = () => java.call("android.telephony.TelephonyManager", "getDeviceId", 0, {});
  const intent = { getStringArrayExtra: () => ["android.permission.READ_PHONE_STATE"], getIntArrayExtra: () => [0] };
  java.call("android.app.Activity", "dispatchRequestPermissionsResult", 0, activity(), 1, intent);
  assert.deepEqual(events().map((e) => [e.kind, e.api_id || e.permissions[0], e.granted]), [
    ["permission_result", "android.permission.READ_PHONE_STATE", true],
    ["api_call", "telephony.getDeviceId", undefined],
  ]);
});

test("lifecycle: foreground on the first start, screen on resume, background when the last activity stops", () => {
  const { java, events } = started();
  const act = activity();
  java.call("android.app.Activity", "onStart", 0, act);
  java.call("android.app.Activity", "onResume", 0, act);
  java.call("android.app.Activity", "onStop", 0, act);
  assert.deepEqual(events().map((e) => [e.kind, e.state || null, e.activity]), [
    ["lifecycle", "foreground", "com.example.app/.SplashActivity"],
    ["screen", null, "com.example.app/.SplashActivity"],
    ["lifecycle", "background", "com.example.app/.SplashActivity"],
  ]);
});

test("taps: a tap on 同意 reports its label and whether the screen names the policy", () => {
  const { java, sent, events } = started();
  const agree = textView("同意并继续", { className: "android.widget.Button", clickable: true, id: "agree" });
  const refuse = textView("不同意", { className: "android.widget.Button", clickable: true });
  const dialog = group([textView("欢迎使用！请阅读《隐私政策》和《用户协议》"), agree, refuse]);
  java.call("android.app.Activity", "onResume", 0, activity());
  sent.length = 0;
  java.call("android.view.View", "performClick", 0, agree);
  const [tap] = sent.filter((m) => m.type === "event");
  assert.equal(tap.event.kind, "user_action");
  assert.equal(tap.event.detail, 'tap "同意并继续" (com.example.app:id/agree Button)');
  assert.equal(tap.event.activity, "com.example.app/.SplashActivity");
  assert.deepEqual(tap.tap, { label: "同意并继续", view_class: "android.widget.Button",
    resource_id: "com.example.app:id/agree", checkable: false, checked: null, policy_on_screen: true });
  // the same word on a screen without the policy
  const lone = textView("同意", { className: "android.widget.Button", clickable: true });
  group([textView("是否允许通知？"), lone]);
  sent.length = 0;
  java.call("android.view.View", "performClick", 0, lone);
  assert.equal(sent.find((m) => m.type === "event").tap.policy_on_screen, false);
  // a checkbox, ticked by the click
  const box = textView("我已阅读并同意《隐私政策》", { className: "android.widget.CheckBox", clickable: true,
    checked: true, instanceOf: ["android.widget.CompoundButton"] });
  group([box]);
  sent.length = 0;
  java.call("android.view.View", "performClick", 0, box);
  const t = sent.find((m) => m.type === "event").tap;
  assert.equal(t.checkable, true);
  assert.equal(t.checked, true);
  assert.equal(t.policy_on_screen, true);
  // a list item holding a phone number: masked
  const item = group([textView("张三"), textView("13812345678")]);
  sent.length = 0;
  java.call("android.view.View", "performClick", 0, item);
  assert.equal(events()[0].detail, 'tap "张三 <11 digits>" (LinearLayout)');
});

test("screens: a dialog that names the policy is reported with its controls", () => {
  const { java, sent } = started();
  const decor = group([textView("请阅读《隐私政策》"), textView("同意", { clickable: true }),
    textView("不同意", { clickable: true })]);
  java.call("android.app.Dialog", "show", 0, { getWindow: () => ({ getDecorView: () => decor }) });
  const scan = sent.find((m) => m.type === "scan");
  assert.ok(scan);
  assert.equal(scan.policy_on_screen, true);
  assert.deepEqual(scan.controls, ["同意", "不同意"]);
  sent.length = 0;
  java.call("android.app.Dialog", "show", 0, { getWindow: () => ({ getDecorView: () => group([textView("升级提示")]) }) });
  assert.equal(sent.filter((m) => m.type === "scan").length, 0, "screens without the policy are not reported");
});

test("retry: a class from a later class loader and an interface's implementation get hooked", () => {
  const { java, agent, sent, events } = started();
  java.loaders.push({ name: "dalvik.system.DexClassLoader@1", classes: new Set([LATE_CLASS]) });
  const impl = java.define(INTERFACE_IMPL, {
    supers: [INTERFACE],
    methods: { getLastLocation: [{ args: [], impl: () => null }], requestLocationUpdates: [
      { args: ["java.lang.Object", "java.lang.Object"], impl: () => null }] },
  });
  assert.ok(impl);
  agent.handle({ type: "retry" });
  const added = sent.find((m) => m.type === "hooks_added");
  assert.ok(added, "the agent reports the hooks it added");
  assert.ok(added.hooked["amap.locationclient.startLocation"] >= 1);
  assert.ok(added.hooked["gms.fusedlocationclient.getLastLocation"] >= 1);
  assert.ok(added.abstract.includes("gms.fusedlocationclient.getCurrentLocation"), "no implementation of it loaded");
  sent.length = 0;
  java.call(LATE_CLASS, "startLocation", 0, {});
  java.call(INTERFACE_IMPL, "getLastLocation", 0, {});
  assert.deepEqual(events().map((e) => e.api_id), ["amap.locationclient.startLocation",
    "gms.fusedlocationclient.getLastLocation"]);
});

test("protocol: hello, ping/pong, lifecycle start on config, fatal without Java", () => {
  const { java } = makeProcess();
  const { agent, sent } = makeAgent(java);
  agent.hello();
  assert.deepEqual(sent[0], { type: "hello", agent: "privaudit-agent/1", java_available: true, android: "11" });
  agent.handle({ type: "ping", host: 123.5 });
  assert.equal(sent[1].type, "pong");
  assert.equal(sent[1].host, 123.5);
  agent.handle({ type: "config", payload: config() });
  assert.equal(sent[2].event.kind, "lifecycle");
  assert.equal(sent[2].event.state, "start");
  assert.equal(sent[3].type, "ready");
  const noJava = makeAgent({ available: false });
  noJava.agent.handle({ type: "config", payload: config() });
  assert.equal(noJava.sent.at(-1).type, "fatal");
});

test("the committed bundle is a Frida bundle built from these sources", () => {
  const bundle = readFileSync(new URL("../privaudit-agent.js", import.meta.url), "utf8");
  assert.ok(bundle.startsWith("📦\n"), "frida-compile's bundle format");
  assert.ok(bundle.includes("handleBindApplication"), "frida-java-bridge is compiled in");
  // built from exactly these sources (build.sh records their hash in src/build-info.js and the bundle)
  const hash = createHash("sha256").update(readFileSync(new URL("../src/core.js", import.meta.url)))
    .update(readFileSync(new URL("../src/index.js", import.meta.url))).digest("hex");
  const info = readFileSync(new URL("../src/build-info.js", import.meta.url), "utf8");
  assert.ok(info.includes(`"${hash}"`), "src/ changed since the last build: run privaudit/agent/build.sh");
  assert.ok(bundle.includes(`"${hash}"`), "the bundle is older than src/build-info.js: run privaudit/agent/build.sh");
});
