#!/usr/bin/env bash
# Build the APK test fixtures in tests/fixtures/apk/ from the smali/manifest
# sources in tests/fixtures/apk/src/<name>/.
#
#   scripts/build_fixtures.sh            # build every fixture
#   scripts/build_fixtures.sh NAME...    # build only these (see FIXTURES below)
#
# Toolchain (Debian 12):
#   apt-get install -y libsmali-java aapt apksigner zipalign android-framework-res
# plus a JDK (keytool, jarsigner), python3 and zip.
#
# This file is also a library: examples/demo-app/build.sh sources it and calls
# build_apk, so both use the same build steps. When sourced, nothing is built.
#
# Source layout understood by build_apk (only AndroidManifest.xml is required):
#   AndroidManifest.xml    text manifest, compiled by aapt
#   smali/                 -> classes.dex
#   smali2/, smali3/, ...  -> classes2.dex, classes3.dex, ... (multidex)
#   res/                   -> aapt -S
#   assets/                -> aapt -A
#   extra/                 files added verbatim with `aapt add`, under their
#                          path relative to extra/ (e.g. lib/<abi>/libfoo.so)
#
# Signing: a throwaway PKCS#12 keystore is generated for each run (never
# committed), so rebuilt APKs carry a new certificate and differ byte-wise;
# the manifest, dex and resources are the same from run to run.

set -euo pipefail

FRAMEWORK_RES="${FRAMEWORK_RES:-/usr/share/android-framework-res/framework-res.apk}"
# smali --api: 21 emits dex 035, readable by every Android version we target.
SMALI_API="${SMALI_API:-21}"
KS_PASS="privaudit"
KS_ALIAS="privaudit"
KS_DNAME="CN=privaudit test key, OU=Testing, O=privaudit, L=Beijing, ST=Beijing, C=CN"
# Fixed file time for the entries of the .apks/.xapk containers (made with
# zip, which stores mtimes; aapt itself writes 1980-01-01 for every entry).
FIXED_MTIME="2020-01-01 00:00:00"

die() {
    echo "error: $*" >&2
    exit 1
}

log() {
    echo "==> $*" >&2
}

# Temporary directories: new_tmpdir sets TMP_NEW to a fresh directory that is
# removed when the shell exits (also on failure).
_PA_TMPDIRS=()
_pa_cleanup() {
    if ((${#_PA_TMPDIRS[@]})); then
        rm -rf -- "${_PA_TMPDIRS[@]}"
    fi
}
new_tmpdir() {
    TMP_NEW="$(mktemp -d "${TMPDIR:-/tmp}/privaudit-build.XXXXXX")"
    if ((${#_PA_TMPDIRS[@]} == 0)); then
        trap _pa_cleanup EXIT
    fi
    _PA_TMPDIRS+=("$TMP_NEW")
}

# require_tools: fail with an install hint if any tool of the chain is missing.
require_tools() {
    local missing=() t
    for t in smali aapt zipalign apksigner keytool jarsigner python3 zip unzip; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    if ((${#missing[@]})); then
        die "missing tool(s): ${missing[*]}
install them with:
  apt-get update && apt-get install -y libsmali-java aapt apksigner zipalign android-framework-res zip unzip
(keytool and jarsigner come with the JDK, e.g. openjdk-17-jdk-headless)"
    fi
    [[ -f "$FRAMEWORK_RES" ]] || die "framework-res.apk not found at $FRAMEWORK_RES
install it with: apt-get install -y android-framework-res (or set FRAMEWORK_RES)"
}

# make_keystore FILE: a fresh RSA-2048 signing key with a fixed identity.
make_keystore() {
    local ks="$1"
    rm -f "$ks"
    keytool -genkeypair -noprompt \
        -keystore "$ks" -storetype PKCS12 \
        -storepass "$KS_PASS" -keypass "$KS_PASS" \
        -alias "$KS_ALIAS" -keyalg RSA -keysize 2048 -validity 10000 \
        -dname "$KS_DNAME" >/dev/null 2>&1 || die "keytool could not create $ks"
}

# build_apk SRC_DIR OUT_APK KEYSTORE
# Compile manifest/res/assets with aapt, assemble smali dirs to dex, add extra
# files, zipalign and sign (v1+v2+v3). Writes OUT_APK only on success.
build_apk() {
    local src="$1" out="$2" ks="$3"
    [[ -f "$src/AndroidManifest.xml" ]] || die "$src/AndroidManifest.xml not found"
    local work
    new_tmpdir
    work="$TMP_NEW"

    local -a pkg_args=(-f -M "$src/AndroidManifest.xml" -I "$FRAMEWORK_RES")
    [[ -d "$src/res" ]] && pkg_args+=(-S "$src/res")
    [[ -d "$src/assets" ]] && pkg_args+=(-A "$src/assets")
    aapt package "${pkg_args[@]}" -F "$work/unsigned.apk" >/dev/null \
        || die "aapt package failed for $src"

    # Dex files: smali -> classes.dex, smaliN -> classesN.dex (N >= 2).
    mkdir -p "$work/dex"
    local -a dexes=()
    if [[ -d "$src/smali" ]]; then
        smali assemble --api "$SMALI_API" -o "$work/dex/classes.dex" "$src/smali" \
            || die "smali failed for $src/smali"
        dexes+=(classes.dex)
    fi
    local n=2
    while [[ -d "$src/smali$n" ]]; do
        smali assemble --api "$SMALI_API" -o "$work/dex/classes$n.dex" "$src/smali$n" \
            || die "smali failed for $src/smali$n"
        dexes+=("classes$n.dex")
        n=$((n + 1))
    done
    if ((${#dexes[@]})); then
        # Run from the dex dir so that the entry names are plain classesN.dex.
        (cd "$work/dex" && aapt add "$work/unsigned.apk" "${dexes[@]}" >/dev/null) \
            || die "aapt add (dex) failed for $src"
    fi

    # Extra files (native libs, raw assets, ...) under their relative path.
    if [[ -d "$src/extra" ]]; then
        local -a extras=()
        mapfile -t extras < <(cd "$src/extra" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
        if ((${#extras[@]})); then
            (cd "$src/extra" && aapt add "$work/unsigned.apk" "${extras[@]}" >/dev/null) \
                || die "aapt add (extra) failed for $src"
        fi
    fi

    zipalign -f -p 4 "$work/unsigned.apk" "$work/aligned.apk" || die "zipalign failed for $src"
    apksigner sign \
        --ks "$ks" --ks-pass "pass:$KS_PASS" --ks-key-alias "$KS_ALIAS" --key-pass "pass:$KS_PASS" \
        --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true \
        --v4-signing-enabled false \
        --out "$work/signed.apk" "$work/aligned.apk" || die "apksigner failed for $src"
    apksigner verify "$work/signed.apk" || die "apksigner verify failed for $src"

    mkdir -p "$(dirname "$out")"
    mv -f "$work/signed.apk" "$out"
    log "built $out ($(stat -c %s "$out") bytes)"
}

# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

FIXTURES=(legacy_target22 packed_jiagu clean_app multidex sdk23perm split_set xapk_set bundle)

# Plain APK fixtures: tests/fixtures/apk/src/<name>/ -> tests/fixtures/apk/<name>.apk
fixture_apk() {
    local name="$1"
    build_apk "$SRC_DIR/$name" "$OUT_DIR/$name.apk" "$KEYSTORE"
}

# split_set.apks: base.apk (built from src/clean_app) + split_config.arm64_v8a.apk,
# the way split APK sets are pulled from a device / shared by SAI.
fixture_split_set() {
    local work
    new_tmpdir
    work="$TMP_NEW"
    # Base and split are built here with this run's key, so that they are
    # always signed alike even when only this fixture is rebuilt.
    build_apk "$SRC_DIR/clean_app" "$work/base.apk" "$KEYSTORE"
    build_apk "$SRC_DIR/split_config.arm64_v8a" "$work/split_config.arm64_v8a.apk" "$KEYSTORE"
    touch -d "$FIXED_MTIME" "$work"/*.apk
    rm -f "$OUT_DIR/split_set.apks"
    # Stored (-0), like bundletool / SAI do: the APKs are compressed already.
    (cd "$work" && zip -q -X -0 "$OUT_DIR/split_set.apks" base.apk split_config.arm64_v8a.apk)
    log "built $OUT_DIR/split_set.apks ($(stat -c %s "$OUT_DIR/split_set.apks") bytes)"
}

# xapk_set.xapk: APKPure-style XAPK = manifest.json + base.apk (src/clean_app)
# + config.arm64_v8a.apk.
fixture_xapk_set() {
    local work
    new_tmpdir
    work="$TMP_NEW"
    build_apk "$SRC_DIR/clean_app" "$work/base.apk" "$KEYSTORE"
    build_apk "$SRC_DIR/split_config.arm64_v8a" "$work/config.arm64_v8a.apk" "$KEYSTORE"
    python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
files = ["base.apk", "config.arm64_v8a.apk"]
manifest = {
    "xapk_version": 2,
    "package_name": "com.example.clean",
    "name": "简洁工具",
    "version_code": "1",
    "version_name": "1.0",
    "min_sdk_version": "24",
    "target_sdk_version": "33",
    "permissions": ["android.permission.INTERNET"],
    "split_configs": ["config.arm64_v8a"],
    "total_size": sum(os.path.getsize(os.path.join(work, f)) for f in files),
    "split_apks": [
        {"file": "base.apk", "id": "base"},
        {"file": "config.arm64_v8a.apk", "id": "config.arm64_v8a"},
    ],
}
with open(os.path.join(work, "manifest.json"), "w", encoding="utf-8") as fh:
    json.dump(manifest, fh, indent=2, ensure_ascii=False)
    fh.write("\n")
PY
    touch -d "$FIXED_MTIME" "$work"/*
    rm -f "$OUT_DIR/xapk_set.xapk"
    (cd "$work" && zip -q -X "$OUT_DIR/xapk_set.xapk" manifest.json &&
        zip -q -X -0 "$OUT_DIR/xapk_set.xapk" base.apk config.arm64_v8a.apk)
    log "built $OUT_DIR/xapk_set.xapk ($(stat -c %s "$OUT_DIR/xapk_set.xapk") bytes)"
}

# bundle.aab: no aapt2/bundletool in Debian, so make_aab.py writes the
# protobuf (aapt2 Resources.proto XmlNode) manifest and the bundle layout by
# hand; the dex comes from smali; jarsigner signs it like an upload bundle.
fixture_bundle() {
    local src="$SRC_DIR/bundle" work
    new_tmpdir
    work="$TMP_NEW"
    smali assemble --api "$SMALI_API" -o "$work/classes.dex" "$src/smali" \
        || die "smali failed for $src/smali"
    python3 "$FIXTURE_ROOT/make_aab.py" \
        --manifest "$src/AndroidManifest.xml" --dex "$work/classes.dex" \
        --assets "$src/assets" --out "$work/unsigned.aab" || die "make_aab.py failed"
    jarsigner -keystore "$KEYSTORE" -storetype PKCS12 -storepass "$KS_PASS" -keypass "$KS_PASS" \
        -sigalg SHA256withRSA -digestalg SHA-256 \
        -signedjar "$work/signed.aab" "$work/unsigned.aab" "$KS_ALIAS" >/dev/null \
        || die "jarsigner failed for bundle.aab"
    mv -f "$work/signed.aab" "$OUT_DIR/bundle.aab"
    log "built $OUT_DIR/bundle.aab ($(stat -c %s "$OUT_DIR/bundle.aab") bytes)"
}

build_fixture() {
    case "$1" in
        legacy_target22 | packed_jiagu | clean_app | multidex | sdk23perm) fixture_apk "$1" ;;
        split_set) fixture_split_set ;;
        xapk_set) fixture_xapk_set ;;
        bundle) fixture_bundle ;;
        *) die "unknown fixture '$1' (known: ${FIXTURES[*]})" ;;
    esac
}

main() {
    local repo_root
    repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    FIXTURE_ROOT="$repo_root/tests/fixtures/apk"
    SRC_DIR="$FIXTURE_ROOT/src"
    OUT_DIR="$FIXTURE_ROOT"
    require_tools

    new_tmpdir
    KEYSTORE="$TMP_NEW/fixtures.p12"
    make_keystore "$KEYSTORE"

    local -a names=("$@")
    ((${#names[@]})) || names=("${FIXTURES[@]}")
    local name
    for name in "${names[@]}"; do
        build_fixture "$name"
    done
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
