"""Signing certificates from v1 signature files and the APK Signing Block.

Expectations for the androguard test APKs were generated once with androguard 4.1.4
(``APK.get_certificates_v1/v2/v3/v31``, ``is_signed_v1/v2/v3/v31`` and the raw PKCS#7
certificate sets via asn1crypto) and are written out here; androguard is not imported.
Our order is: v3.1, v3, v2 certificates, then the v1 signer, then v1 chain certificates, each
DER once with the strongest scheme label. Names are RFC 4514 order (last RDN first), i.e.
androguard's ``get_certificate_name_string`` with the RDNs reversed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import struct
import zipfile

import pytest
from conftest import shared

from privaudit.evidence.apk.signing import (
    SIG_BLOCK_MAGIC,
    V2_ID,
    V3_ID,
    V31_ID,
    parse_certificate,
    signing_certificates,
)
from privaudit.evidence.apk.zipread import ZipArchive

APK_DIR = ("data", "apks", "androguard", "APK")

# name -> (schemes, [(sha256, scheme, subject, issuer), ...]) from androguard, in our order.
ANDROGUARD = {
    'AndroidManifest_ShortName.apk': ([], []),
    'CertChain.apk': (['v1'], [
        ('01E1999710A82C2749B4D50C445DC85D670B6136089D0A766A73827C82A1EAC9', 'v1',
         'CN=Microsoft Corporation Third Party Marketplace (Do Not Trust), '
         'OU=Microsoft Edge for Android, O=Microsoft Corporation, L=Redmond, ST=Washington, C=US',
         'CN=Microsoft Corporation Third Party Marketplace PCA, O=Microsoft Corporation, L=Redmond, '
         'ST=Washington, C=US'),
        ('2848361A9C1E32DF1D3E2ED6A7B9E67A525CF8A13B164F8006C9479578F746DE', 'v1',
         'CN=Microsoft Corporation Third Party Marketplace Root, O=Microsoft Corporation, L=Redmond, '
         'ST=Washington, C=US',
         'CN=Microsoft Corporation Third Party Marketplace Root, O=Microsoft Corporation, L=Redmond, '
         'ST=Washington, C=US'),
        ('B17E8201B128E1E74CC023510AB7EA03AC27DDE50D32D810EA1577758F1CC098', 'v1',
         'CN=Microsoft Corporation Third Party Marketplace PCA, O=Microsoft Corporation, L=Redmond, '
         'ST=Washington, C=US',
         'CN=Microsoft Corporation Third Party Marketplace Root, O=Microsoft Corporation, L=Redmond, '
         'ST=Washington, C=US'),
    ]),
    'Invalid.apk': (['v1'], [
        ('E4926D665F0FBDCFD302D6A6AED4E1C9D8FAF8906724054285C33D96E29030E8', 'v1',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'TC-debug.apk': (['v1'], [
        ('A733EAB815E55FCA4CC233EE2E1F1E2D65C73C76FDA0C4196754538B2F1DC7E8', 'v1',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'TCDiff-debug.apk': (['v1'], [
        ('A733EAB815E55FCA4CC233EE2E1F1E2D65C73C76FDA0C4196754538B2F1DC7E8', 'v1',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'Test-debug-unaligned.apk': (['v1'], [
        ('D943650C7B7010CE6F229C98831E04BCB99C5B406ED4FB4419414E15C887C06B', 'v1',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'Test-debug.apk': (['v1'], [
        ('D943650C7B7010CE6F229C98831E04BCB99C5B406ED4FB4419414E15C887C06B', 'v1',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'TestActivity.apk': (['v1'], [
        ('6F5C31608F1F9E285EB6343C7C8AF07DE81C1FB2148B5349BEC906444144576D', 'v1',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'TestActivity_signed_both.apk': (['v1', 'v2'], [
        ('B39038A91D8880FB01D2F6BDAEB22D39C1B7C447CEF69E779BAD544E9A3EC6A3', 'v2',
         'O=Internet Widgits Pty Ltd, ST=Some-State, C=AU',
         'O=Internet Widgits Pty Ltd, ST=Some-State, C=AU'),
    ]),
    'TestActivity_unsigned.apk': ([], []),
    'a2dp.Vol_137.apk': (['v1'], [
        ('1E3BF46F964D494C9094CBF1A7EBEC99B63D4ACF6AE7519287D94FAF5EA6871B', 'v1',
         'CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK',
         'CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK'),
    ]),
    'app-prod-debug.apk': (['v1', 'v2'], [
        ('5E29B0AE637411E251BD8DEB235D4FA812E7AB79A6A69F3EA0B7324BDCA6A390', 'v2',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'com.android.example.text.styling.apk': (['v1', 'v2'], [
        ('78E6FAAA502B1C2C9194A2162AE7719B14E08E7865B709C2354C2DFDEE8AA9E2', 'v2',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'com.example.android.wearable.wear.weardrawers.apk': (['v1', 'v2'], [
        ('78E6FAAA502B1C2C9194A2162AE7719B14E08E7865B709C2354C2DFDEE8AA9E2', 'v2',
         'CN=Android Debug, O=Android, C=US',
         'CN=Android Debug, O=Android, C=US'),
    ]),
    'com.politedroid_4.apk': (['v1'], [
        ('32A23624C201B949F085996BA5ED53D40F703ACA4989476949CAE891022E0ED6', 'v1',
         'CN=Hans-Christoph Steiner, OU=Unknown, O=Guardian Project, L=Brooklyn, ST=NY, C=US',
         'CN=Hans-Christoph Steiner, OU=Unknown, O=Guardian Project, L=Brooklyn, ST=NY, C=US'),
    ]),
    'com.teleca.jamendo_35.apk': (['v1'], [
        ('EBD3CC3F8C36A4503838B0610103C8B919245C3EE2C4600F6646502E3875A4AC', 'v1',
         'CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK',
         'CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK'),
    ]),
    'com.test.intent_filter.apk': (['v2'], [
        ('B4DDF2749D84539C017E320140CA8B09C931BE7C9EBC8C51FFCDD83C8AAFAFF1', 'v2',
         'CN=kr, OU=kr, O=kr, L=kr, ST=kr, C=kr',
         'CN=kr, OU=kr, O=kr, L=kr, ST=kr, C=kr'),
    ]),
    'duplicate.permisssions_9999999.apk': (['v1'], [
        ('F49AF3F11EFDDF20DFFD70F5E3117B9976674167ADCA280E6B1932A0601B26F6', 'v1',
         'CN=sova, OU=F-Droid',
         'CN=sova, OU=F-Droid'),
    ]),
    'hello-world.apk': (['v1', 'v2'], [
        ('6E566427DA36DD913639B1112F747B77408851B4857A1D63EBF91E02B06F2088', 'v2',
         'CN=Robert Habermann, OU=KeyStore, O=RHAB, L=Frankfurt, ST=Hessen, C=DE',
         'CN=Robert Habermann, OU=KeyStore, O=RHAB, L=Frankfurt, ST=Hessen, C=DE'),
    ]),
    'multidex.apk': ([], []),
    'partialsignature.apk': (['v1'], [
        ('1E3BF46F964D494C9094CBF1A7EBEC99B63D4ACF6AE7519287D94FAF5EA6871B', 'v1',
         'CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK',
         'CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK'),
    ]),
    'urzip-πÇÇπÇÇ现代汉语通用字-български-عربي1234.apk': (['v1'], [
        ('32A23624C201B949F085996BA5ED53D40F703ACA4989476949CAE891022E0ED6', 'v1',
         'CN=Hans-Christoph Steiner, OU=Unknown, O=Guardian Project, L=Brooklyn, ST=NY, C=US',
         'CN=Hans-Christoph Steiner, OU=Unknown, O=Guardian Project, L=Brooklyn, ST=NY, C=US'),
    ]),
}

# exodus-core's app_uid is SHA-1 over "<package> <CERT-SHA1>" (upper-case hex), see
# exodus_core/analysis/static_analysis.py get_application_universal_id; packages from androguard.
EXODUS = {
    "instapaper.apk": ("com.olivierpayen.leaninstapaper", "4E0E179296D88849558A8212C0D3FA3D9D79B27C"),
    "blooddonation.apk": ("fr.mobdev.blooddonation", "1218E4233DB7350FE9D2238AA9F535FAD63603ED"),
}

WIDGITS_SHA256 = "B39038A91D8880FB01D2F6BDAEB22D39C1B7C447CEF69E779BAD544E9A3EC6A3"
WIDGITS_NAME = "O=Internet Widgits Pty Ltd, ST=Some-State, C=AU"


def _open(name: str) -> ZipArchive:
    return ZipArchive.open(str(shared(*APK_DIR, name)))


def _member(apk: str, member: str) -> bytes:
    return _open(apk).read(member)


# -- real APKs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXODUS))
def test_exodus_app_uid(name: str) -> None:
    truth_file = shared("data", "apks", "exodus_core", "ground_truth_exodus_core_tests.json")
    truth = json.loads(truth_file.read_text())
    uid = {a["apk"].rsplit("/", 1)[-1]: a["app_uid_cert_sha1"] for a in truth["apps"]}[name]
    package, cert_sha1 = EXODUS[name]
    certs, _ = signing_certificates(ZipArchive.open(str(shared("data", "apks", "exodus_core", "apks", name))))
    assert certs[0].sha1 == cert_sha1
    assert hashlib.sha1(f"{package} {certs[0].sha1}".encode()).hexdigest().upper() == uid


@pytest.mark.parametrize("name", sorted(ANDROGUARD))
def test_matches_androguard(name: str) -> None:
    schemes, expected = ANDROGUARD[name]
    certs, got_schemes = signing_certificates(_open(name))
    assert got_schemes == schemes
    assert [(c.sha256, c.scheme, c.subject, c.issuer) for c in certs] == expected
    for c in certs:
        assert len(c.sha1) == 40 and c.sha1 == c.sha1.upper()


def test_v1_only() -> None:
    certs, schemes = signing_certificates(_open("TestActivity.apk"))
    assert schemes == ["v1"]
    assert [(c.subject, c.scheme) for c in certs] == [("CN=Android Debug, O=Android, C=US", "v1")]


def test_v1_and_v2_same_certificate_is_one() -> None:
    certs, schemes = signing_certificates(_open("TestActivity_signed_both.apk"))
    assert schemes == ["v1", "v2"]
    assert [(c.sha256, c.scheme) for c in certs] == [(WIDGITS_SHA256, "v2")]


def test_unsigned() -> None:
    assert signing_certificates(_open("TestActivity_unsigned.apk")) == ([], [])


def test_chain_signer_first() -> None:
    certs, _ = signing_certificates(_open("CertChain.apk"))
    assert "Do Not Trust" in certs[0].subject
    assert [c.subject.split(",")[0] for c in certs[1:]] == [
        "CN=Microsoft Corporation Third Party Marketplace Root",
        "CN=Microsoft Corporation Third Party Marketplace PCA",
    ]


def test_partial_signature_ignores_block_without_sf() -> None:
    archive = _open("partialsignature.apk")
    assert "META-INF/CERT.RSA" in archive and "META-INF/CERT.SF" not in archive
    certs, schemes = signing_certificates(archive)
    assert schemes == ["v1"]
    assert [c.subject for c in certs] == ["CN=FDroid, OU=FDroid, O=fdroid.org, L=ORG, ST=ORG, C=UK"]


def test_certificate_der_and_pem() -> None:
    der = shared(*APK_DIR, "certificate.der").read_bytes()
    pem = shared(*APK_DIR, "certificate.pem").read_text()
    body = "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))
    for blob in (der, base64.b64decode(body)):
        cert = parse_certificate(blob)
        assert cert is not None
        assert cert.sha256 == WIDGITS_SHA256
        assert cert.sha1 == "6E5CCD81924177F88C59ED148FAD277070786A8C"
        assert cert.subject == cert.issuer == WIDGITS_NAME
        assert cert.scheme == "v1"


# -- synthetic v2/v3/v3.1 blocks ---------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _with_block(zip_bytes: bytes, block: bytes) -> bytes:
    """Insert ``block`` right before the central directory and fix the EOCD's offset."""
    eocd = zip_bytes.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", zip_bytes, eocd + 16)
    out = bytearray(zip_bytes[:cd_offset] + block + zip_bytes[cd_offset:])
    struct.pack_into("<I", out, eocd + len(block) + 16, cd_offset + len(block))
    return bytes(out)


def _u32(n: int) -> bytes:
    return struct.pack("<I", n)


def _lp(data: bytes) -> bytes:
    return _u32(len(data)) + data


def _signer(*certs: bytes) -> bytes:
    digests = _lp(_lp(_u32(0x0103) + _lp(b"\x11" * 32)))
    signed_data = digests + _lp(b"".join(_lp(c) for c in certs)) + _u32(24) + _u32(0x7FFFFFFF) + _lp(b"")
    return _lp(_lp(signed_data) + _u32(24) + _u32(0x7FFFFFFF) + _lp(b"") + _lp(b"key"))


def _value(*signers: bytes) -> bytes:
    return _lp(b"".join(signers))


def _pair(pair_id: int, value: bytes) -> bytes:
    return struct.pack("<QI", len(value) + 4, pair_id) + value


def _sig_block(pairs: bytes, size: int | None = None, head_size: int | None = None) -> bytes:
    n = len(pairs) + 24 if size is None else size
    return struct.pack("<Q", n if head_size is None else head_size) + pairs + struct.pack("<Q", n) \
        + SIG_BLOCK_MAGIC


def _archive(block: bytes, files: dict[str, bytes] | None = None) -> ZipArchive:
    return ZipArchive(_with_block(_zip(files or {"classes.dex": b"dex\n035\x00"}), block), "synthetic.apk")


@pytest.fixture(scope="module")
def certs_der() -> tuple[bytes, bytes]:
    """Two real certificate DERs: certificate.der and the Android Debug cert of TestActivity."""
    widgits = shared(*APK_DIR, "certificate.der").read_bytes()
    rsa = _member("TestActivity.apk", "META-INF/CERT.RSA")
    start = rsa.find(b"\x30\x82", 20)  # first certificate inside the [0] set
    while start >= 0:
        n = struct.unpack(">H", rsa[start + 2 : start + 4])[0] + 4
        if parse_certificate(rsa[start : start + n]) is not None:
            return widgits, rsa[start : start + n]
        start = rsa.find(b"\x30\x82", start + 1)
    raise AssertionError("no certificate in CERT.RSA")


def test_v3_and_v31_blocks(certs_der: tuple[bytes, bytes]) -> None:
    widgits, debug = certs_der
    pairs = (_pair(0x42726577, b"\x00" * 64)  # verity padding, ignored
             + _pair(V3_ID, _value(_signer(debug)))
             + _pair(V31_ID, _value(_signer(widgits)))
             + _pair(V2_ID, _value(_signer(debug, widgits))))
    certs, schemes = signing_certificates(_archive(_sig_block(pairs)))
    assert schemes == ["v2", "v3", "v3.1"]
    assert [(c.sha256, c.scheme) for c in certs] == [
        (WIDGITS_SHA256, "v3.1"), (hashlib.sha256(debug).hexdigest().upper(), "v3")]
    assert certs[1].subject == "CN=Android Debug, O=Android, C=US"


def test_two_signers_and_a_prefixed_archive(certs_der: tuple[bytes, bytes]) -> None:
    widgits, debug = certs_der
    data = _with_block(_zip({"a": b"x"}), _sig_block(_pair(V2_ID, _value(_signer(widgits), _signer(debug)))))
    certs, schemes = signing_certificates(ZipArchive(b"#!junk prepended\n" + data, "prefixed.apk"))
    assert schemes == ["v2"]
    assert [c.subject for c in certs] == [WIDGITS_NAME, "CN=Android Debug, O=Android, C=US"]


# -- hostile input -----------------------------------------------------------------------------


def test_garbage_v1_files() -> None:
    rng = random.Random(7)
    for payload in (b"", b"\x30", b"\x30\x80\x00\x00", b"\x30\x84\xff\xff\xff\xff",
                    b"\x30\x89" + b"\xff" * 9, bytes(rng.randrange(256) for _ in range(2000))):
        archive = ZipArchive(_zip({"META-INF/CERT.SF": b"sf", "META-INF/CERT.RSA": payload}), "g.apk")
        assert signing_certificates(archive) == ([], ["v1"])


def test_truncated_v1_file() -> None:
    rsa = _member("TestActivity.apk", "META-INF/CERT.RSA")
    full, _ = signing_certificates(ZipArchive(_zip({"META-INF/CERT.SF": b"", "META-INF/CERT.RSA": rsa}), "t"))
    assert len(full) == 1
    for cut in range(len(rsa)):
        archive = ZipArchive(_zip({"META-INF/CERT.SF": b"", "META-INF/CERT.RSA": rsa[:cut]}), "t.apk")
        certs, schemes = signing_certificates(archive)
        assert schemes == ["v1"]
        assert certs in ([], full)


def test_mutated_v1_file_never_raises() -> None:
    rsa = _member("CertChain.apk", "META-INF/MSFTSIG.RSA")
    rng = random.Random(191)
    for _ in range(300):
        data = bytearray(rsa)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        certs, schemes = signing_certificates(
            ZipArchive(_zip({"META-INF/M.SF": b"", "META-INF/M.RSA": bytes(data)}), "m.apk"))
        assert schemes == ["v1"] and len(certs) <= 3


def test_indefinite_length_refused() -> None:
    rsa = _member("TestActivity.apk", "META-INF/CERT.RSA")
    assert rsa[:2] == b"\x30\x82"
    ber = b"\x30\x80" + rsa[4:] + b"\x00\x00"
    archive = ZipArchive(_zip({"META-INF/CERT.SF": b"", "META-INF/CERT.RSA": ber}), "ber.apk")
    assert signing_certificates(archive) == ([], ["v1"])


def test_many_elements_capped() -> None:
    oid = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"
    many = b"\x30\x00" * 5000
    set0 = b"\xa0\x83" + len(many).to_bytes(3, "big") + many
    signed = b"\x02\x01\x01\x31\x00\x30\x00" + set0 + b"\x31\x00"
    sd = b"\x30\x83" + len(signed).to_bytes(3, "big") + signed
    ci_body = oid + b"\xa0\x83" + len(sd).to_bytes(3, "big") + sd
    ci = b"\x30\x83" + len(ci_body).to_bytes(3, "big") + ci_body
    archive = ZipArchive(_zip({"META-INF/X.SF": b"", "META-INF/X.EC": ci}), "many.apk")
    assert signing_certificates(archive) == ([], ["v1"])


def test_oversized_v1_file_skipped() -> None:
    archive = ZipArchive(_zip({"META-INF/A.SF": b"", "META-INF/A.DSA": b"\x30" * (2 << 20)}), "big.apk")
    assert signing_certificates(archive) == ([], ["v1"])


def test_hostile_signing_blocks(certs_der: tuple[bytes, bytes]) -> None:
    widgits, _ = certs_der
    good = _pair(V2_ID, _value(_signer(widgits)))
    cases = {
        # pair lengths
        "pair length 2**64-1": (struct.pack("<QI", 2**64 - 1, V2_ID), []),
        "pair length < 4": (struct.pack("<QI", 2, V2_ID) + b"\x00" * 16, []),
        "pair past block end": (struct.pack("<QI", 5000, V2_ID) + b"\x00" * 16, []),

        # lengths inside a value
        "signers length overflow": (_pair(V2_ID, _u32(0xFFFFFFFF) + b"\x00" * 8), ["v2"]),
        "signer length overflow": (_pair(V2_ID, _lp(_u32(0xFFFFFFF0) + b"\x00" * 8)), ["v2"]),
        "signed data overflow": (_pair(V2_ID, _value(_lp(_u32(0x7FFFFFFF)))), ["v2"]),
        "certs length overflow": (_pair(V2_ID, _value(_lp(_lp(_lp(b"") + _u32(0xFFFFFFFF))))), ["v2"]),
        "cert length overflow": (_pair(V2_ID, _value(_lp(_lp(_lp(b"") + _lp(_u32(0xFFFFFF00)))))), ["v2"]),
        "cert not DER": (_pair(V2_ID, _value(_signer(b"\x30\x82\xff\xff", b"garbage"))), ["v2"]),
        "empty value": (_pair(V3_ID, b""), ["v3"]),
    }
    for label, (pairs, schemes) in cases.items():
        certs, got = signing_certificates(_archive(_sig_block(pairs)))
        assert (certs, got) == ([], schemes), label
    # a good pair is kept when the pair after it is broken (the broken one's id is not claimed)
    certs, got = signing_certificates(_archive(_sig_block(good + struct.pack("<QI", 2**63, V3_ID))))
    assert [c.sha256 for c in certs] == [WIDGITS_SHA256] and got == ["v2"]
    # the size fields themselves
    for size, head in ((2**64 - 1, None), (10, None), (len(good) + 24, len(good) + 23), (1 << 40, 1 << 40)):
        certs, got = signing_certificates(_archive(_sig_block(good, size=size, head_size=head)))
        assert (certs, got) == ([], []), (size, head)
    # a broken signer after a good one keeps the good one
    pairs = _pair(V2_ID, _value(_signer(widgits), _lp(_u32(0xFFFFFFFF))))
    certs, got = signing_certificates(_archive(_sig_block(pairs)))
    assert [c.sha256 for c in certs] == [WIDGITS_SHA256] and got == ["v2"]


def test_block_magic_only() -> None:
    certs, got = signing_certificates(_archive(SIG_BLOCK_MAGIC))
    assert (certs, got) == ([], [])


# -- names -------------------------------------------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(chunk))
    return _der(0x06, bytes(out))


def _atv(oid: str, tag: int, value: bytes) -> bytes:
    return _der(0x30, _oid(oid) + _der(tag, value))


def _fake_cert(issuer: bytes, subject: bytes) -> bytes:
    alg = _der(0x30, _oid("1.2.840.113549.1.1.11") + b"\x05\x00")
    validity = _der(0x30, _der(0x17, b"200101000000Z") + _der(0x17, b"300101000000Z"))
    spki = _der(0x30, alg + _der(0x03, b"\x00\x01"))
    tbs = _der(0x30, _der(0xA0, b"\x02\x01\x02") + b"\x02\x01\x01" + alg + issuer + validity + subject + spki)
    return _der(0x30, tbs + alg + _der(0x03, b"\x00\x01"))


def test_name_string_types_and_escaping() -> None:
    subject = _der(0x30, b"".join([
        _der(0x31, _atv("2.5.4.6", 0x13, b"CN")),
        _der(0x31, _atv("2.5.4.8", 0x14, "Zürich".encode("latin-1"))),
        _der(0x31, _atv("2.5.4.10", 0x1E, "测试, Inc.".encode("utf-16-be"))),
        _der(0x31, _atv("2.5.4.11", 0x0C, "部门".encode()) + _atv("2.5.4.7", 0x0C, b"#1 ")),
        _der(0x31, _atv("1.2.840.113549.1.9.1", 0x16, b"dev@example.com")),
        _der(0x31, _atv("1.3.6.1.4.1.311.60.2.1.3", 0x13, b"CN")),
        _der(0x31, _atv("2.5.4.3", 0x02, b"\x05")),
    ]))
    issuer = _der(0x30, _der(0x31, _atv("2.5.4.3", 0x0C, b"A+B;C")))
    cert = parse_certificate(_fake_cert(issuer, subject), "v2")
    assert cert is not None and cert.scheme == "v2"
    assert cert.subject == ("CN=#020105, 1.3.6.1.4.1.311.60.2.1.3=CN, emailAddress=dev@example.com, "
                            "OU=部门+L=\\#1\\ , O=测试\\, Inc., ST=Zürich, C=CN")
    assert cert.issuer == "CN=A\\+B\\;C"


def test_not_a_certificate() -> None:
    for blob in (b"", b"\x30\x00", b"\x30\x03\x02\x01\x01", b"\x04\x02ab", b"\x30\x82\x00\x02\x30\x00junk"):
        assert parse_certificate(blob) is None
