#!/bin/sh
# Rebuild privaudit-agent.js, the self-contained Frida 17 agent, from src/.
#
#   npm ci                installs frida-java-bridge (pinned in package-lock.json) into node_modules/
#   frida-compile         bundles src/index.js + src/core.js + the bridge into one script
#
# frida-compile is Frida's own compiler. It comes with frida-tools on PyPI (pip install frida-tools) or as
# the npm package frida-compile; the npm package needs the native "frida" Node module, which downloads a
# prebuilt binary from GitHub at install time, so the PyPI one is tried first. Both call the same
# compiler (frida.Compiler). The bundle is kept unminified and without source maps so that a reviewer
# can read what runs in the app.
set -eu
cd "$(dirname "$0")"

npm ci --no-audit --no-fund

if command -v frida-compile >/dev/null 2>&1; then
    compile="frida-compile"
elif [ -x node_modules/.bin/frida-compile ]; then
    compile="node_modules/.bin/frida-compile"
else
    echo "build.sh: frida-compile not found: pip install frida-tools (or npm install --no-save frida-compile)" >&2
    exit 2
fi

# the bundle carries the SHA-256 of the sources it was built from (the agent reports it; the tests compare it)
node -e '
const { createHash } = require("node:crypto");
const { readFileSync, writeFileSync } = require("node:fs");
const h = createHash("sha256").update(readFileSync("src/core.js")).update(readFileSync("src/index.js")).digest("hex");
writeFileSync("src/build-info.js", "// written by build.sh: SHA-256 of src/core.js + src/index.js\nexport const SOURCE_SHA256 = \"" + h + "\";\n");
'
$compile src/index.js -o privaudit-agent.js -S
node --test test/
echo "build.sh: wrote privaudit-agent.js ($(wc -c < privaudit-agent.js) bytes) with $($compile --version 2>/dev/null || echo frida-compile)"
