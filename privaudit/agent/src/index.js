// privaudit agent, the Frida entry point. Built into ../privaudit-agent.js by ../build.sh.
//
// Frida 17 no longer puts the Java bridge into the default script runtime ("ReferenceError: 'Java'
// is not defined", camille #55), so the bridge is imported from the frida-java-bridge package and
// compiled into the bundle. A runtime that still has a global Java (Frida <= 16, the REPL) keeps it.
import BridgeJava from "frida-java-bridge";

import { SOURCE_SHA256 } from "./build-info.js";
import { createAgent } from "./core.js";

const Java = globalThis.Java !== undefined ? globalThis.Java : BridgeJava;

const agent = createAgent({
  Java,
  send: (message) => send(message),
  now: () => Date.now() / 1000,
  threadId: () => Process.getCurrentThreadId(),
});

function onMessage(message) {
  recv(onMessage); // keep listening: the driver sends "config" once, "ping" and "retry" later
  try {
    agent.handle(message);
  } catch (e) {
    send({ type: "fatal", message: `agent: ${e.stack || e}` });
  }
}

recv(onMessage);
agent.hello({ source_sha256: SOURCE_SHA256 });
