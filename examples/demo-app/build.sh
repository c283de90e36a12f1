#!/usr/bin/env bash
# Build examples/demo-app/demo.apk (signed, zipaligned) from the sources here:
#   AndroidManifest.xml, res/, assets/, smali/
#
# Needs: apt-get install -y libsmali-java aapt apksigner zipalign android-framework-res
# and a JDK (keytool). The build steps are the build_apk function of
# scripts/build_fixtures.sh, shared with the test fixtures. Each run signs
# with a fresh throwaway key, so demo.apk differs byte-wise between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/../../scripts/build_fixtures.sh"
[[ -f "$lib" ]] || { echo "error: $lib not found" >&2; exit 1; }
# shellcheck source=../../scripts/build_fixtures.sh
source "$lib"

require_tools
new_tmpdir
keystore="$TMP_NEW/demo.p12"
make_keystore "$keystore"

# build_apk reads only AndroidManifest.xml, res/, assets/ and smali/ here.
build_apk "$here" "$here/demo.apk" "$keystore"
