"""pcap/pcapng reading on captures built here with dpkt: HTTP in clear, TLS SNI, DNS, damage."""

from __future__ import annotations

import gzip
import socket
import struct
from pathlib import Path

import pytest

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.network.load import load_capture
from privaudit.evidence.network.pcap import client_hello_sni, http_messages, read_pcap
from privaudit.evidence.network.pi_match import PiMatcher
from privaudit.evidence.network.profile import profile_from_dict

dpkt = pytest.importorskip("dpkt")

IMEI = "490154203237518"
CLIENT, SERVER, FB = "10.0.0.2", "93.184.216.34", "157.240.20.15"
T0 = 1_700_000_000.0
SYN, ACK, FIN, PSH = dpkt.tcp.TH_SYN, dpkt.tcp.TH_ACK, dpkt.tcp.TH_FIN, dpkt.tcp.TH_PUSH


def client_hello(sni: str | None) -> bytes:
    exts = b""
    if sni:
        name = sni.encode()
        exts += struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    exts += struct.pack(">HH", 0x000A, 4) + b"\x00\x02\x00\x1d"  # supported groups
    body = (b"\x03\x03" + b"\x11" * 32 + b"\x20" + b"\x22" * 32 + struct.pack(">H", 4) + b"\x13\x01\x13\x02"
            + b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def frame(src: str, dst: str, sport: int, dport: int, seq: int, flags: int, data: bytes = b"") -> bytes:
    tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, ack=1, flags=flags, data=data)
    ip = dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=dpkt.ip.IP_PROTO_TCP, data=tcp)
    ip.len = len(ip)
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip))


def dns_answer(name: str, ip: str) -> bytes:
    msg = dpkt.dns.DNS(id=1, qr=dpkt.dns.DNS_R, qd=[dpkt.dns.DNS.Q(name=name, type=1)],
                       an=[dpkt.dns.DNS.RR(name=name, type=1, rdata=socket.inet_aton(ip), ttl=60)])
    udp = dpkt.udp.UDP(sport=53, dport=5353, data=bytes(msg))
    udp.ulen = len(udp)
    ip_ = dpkt.ip.IP(src=socket.inet_aton("8.8.8.8"), dst=socket.inet_aton(CLIENT), p=dpkt.ip.IP_PROTO_UDP, data=udp)
    ip_.len = len(ip_)
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip_))


def http_post(body: bytes, extra: bytes = b"") -> bytes:
    return (b"POST /collect?v=1 HTTP/1.1\r\nHost: track.example.com\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + extra
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def packets(sni: str | None = "graph.facebook.com") -> list[tuple[float, bytes]]:
    req = http_post(f"imei={IMEI}&app=demo".encode())
    resp = b"HTTP/1.1 204 No Content\r\n\r\n"
    hello = client_hello(sni)
    return [
        (T0 - 1, dns_answer("graph.facebook.com", FB)),
        (T0, frame(CLIENT, SERVER, 40000, 80, 999, SYN)),
        (T0 + 0.01, frame(SERVER, CLIENT, 80, 40000, 4999, SYN | ACK)),
        # the request in two segments, out of order, one of them sent twice
        (T0 + 0.03, frame(CLIENT, SERVER, 40000, 80, 1000 + 30, ACK | PSH, req[30:])),
        (T0 + 0.02, frame(CLIENT, SERVER, 40000, 80, 1000, ACK, req[:30])),
        (T0 + 0.04, frame(CLIENT, SERVER, 40000, 80, 1000, ACK, req[:30])),
        (T0 + 0.05, frame(SERVER, CLIENT, 80, 40000, 5000, ACK | PSH, resp)),
        (T0 + 0.06, frame(CLIENT, SERVER, 40000, 80, 1000 + len(req), FIN | ACK)),
        (T0 + 0.07, frame(SERVER, CLIENT, 80, 40000, 5000 + len(resp), FIN | ACK)),
        (T0 + 1, frame(CLIENT, FB, 40001, 443, 7000, SYN)),
        (T0 + 1.1, frame(CLIENT, FB, 40001, 443, 7001, ACK, hello[:60])),
        (T0 + 1.2, frame(CLIENT, FB, 40001, 443, 7001 + 60, ACK, hello[60:])),
    ]


def write_pcap(path: Path, pkts: list[tuple[float, bytes]], ng: bool = False) -> Path:
    with open(path, "wb") as f:
        w = dpkt.pcapng.Writer(f) if ng else dpkt.pcap.Writer(f)
        for ts, buf in pkts:
            w.writepkt(buf, ts=ts)
    return path


PROFILE = profile_from_dict({"imei": IMEI})


@pytest.mark.parametrize("ng", [False, True], ids=["pcap", "pcapng"])
def test_http_post_and_tls_client_hello(tmp_path: Path, ng: bool) -> None:
    cap = load_capture(write_pcap(tmp_path / "a.cap", packets(), ng), PiMatcher(PROFILE))
    assert cap.format == ("pcapng" if ng else "pcap") and cap.clock == "epoch"
    assert cap.notes == []
    http, tls = cap.flows
    assert (http.id, http.scheme, http.method, http.host, http.status) == (
        "pcap:0", "http", "POST", "track.example.com", 204)
    assert http.url == "http://track.example.com/collect?v=1"
    assert http.t == pytest.approx(T0 + 0.02)  # the segment that starts the request
    assert [(h.pi_type, h.where, h.encoding, h.field) for h in http.hits] == [("imei", "body", "raw", "imei")]
    assert (tls.id, tls.scheme, tls.host, tls.method, tls.url, tls.hits) == (
        "pcap:1", "tls", "graph.facebook.com", None, None, [])
    assert (tls.owner_kind, tls.sdk_id) == ("third_party", "facebook-core")
    assert tls.t == pytest.approx(T0 + 1.1)
    assert http.provenance.locator == "pcap:0" and http.provenance.file.endswith("a.cap")


def test_tls_without_sni_is_named_by_dns(tmp_path: Path) -> None:
    cap = read_pcap(write_pcap(tmp_path / "a.pcap", packets(sni=None)))
    tls = cap.flows[1]
    assert tls.host == "graph.facebook.com" and tls.sdk_id == "facebook-core"
    assert any("without SNI" in n for n in cap.notes)


def test_value_free_detector_in_pcap(tmp_path: Path) -> None:
    cap = read_pcap(write_pcap(tmp_path / "a.pcap", packets()))
    assert [(h.pi_type, h.detector) for h in cap.flows[0].hits] == [("imei", "imei_luhn")]


def test_chunked_gzip_and_pipelined_requests() -> None:
    body = gzip.compress(f"imei={IMEI}".encode())
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    first = (b"POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
             b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + chunked)
    second = b"GET /b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
    msgs = http_messages(first + second, request=True)
    assert [(m.method, m.target) for m in msgs] == [("POST", "/a"), ("GET", "/b?x=1")]
    assert msgs[0].body == body and msgs[1].offset == len(first)


def test_sni_parser_on_damaged_hellos() -> None:
    hello = client_hello("a.example")
    assert client_hello_sni(hello) == "a.example"
    for n in range(len(hello)):
        client_hello_sni(hello[:n])  # never raises
    assert client_hello_sni(b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00") is None


def test_truncated_pcap_keeps_what_was_read(tmp_path: Path) -> None:
    whole = write_pcap(tmp_path / "a.pcap", packets()).read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole[:-25])  # inside the last packet: the rest of the ClientHello
    cap = read_pcap(cut)
    assert [f.scheme for f in cap.flows] == ["http", "tls"]
    assert any("truncated" in n for n in cap.notes)


def test_every_truncation_is_a_capture_or_a_clear_error(tmp_path: Path) -> None:
    whole = write_pcap(tmp_path / "a.pcapng", packets(), ng=True).read_bytes()
    p = tmp_path / "cut.pcapng"
    for n in range(0, len(whole), 7):
        p.write_bytes(whole[:n])
        try:
            cap = load_capture(p)
        except InputError as e:
            assert "\n" not in str(e)
        else:
            assert cap.format == "pcapng"


@pytest.mark.parametrize("content", [
    b"\xd4\xc3\xb2\xa1\x02\x00",  # pcap magic, header cut
    b"\xd4\xc3\xb2\xa1" + b"\x00" * 20,  # a header of zeros (version 0) and no packet
    b"\x0a\x0d\x0d\x0a" + b"\xff" * 40,  # pcapng magic with nonsense
])
def test_broken_capture_headers(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "x.pcap"
    p.write_bytes(content)
    try:
        cap = read_pcap(p)
    except MalformedInput as e:
        assert "\n" not in str(e)
    else:
        assert cap.flows == []


def test_absurd_record_length_is_damage_not_a_memory_blowup(tmp_path: Path) -> None:
    whole = bytearray(write_pcap(tmp_path / "a.pcap", packets()).read_bytes())
    second = 24 + 16 + len(packets()[0][1])  # header of the second packet record
    struct.pack_into("<I", whole, second + 8, 0x7FFFFFFF)  # incl_len
    p = tmp_path / "b.pcap"
    p.write_bytes(bytes(whole))
    cap = read_pcap(p)
    assert cap.flows == [] and "damaged" in cap.notes[0]


def test_unsupported_link_type(tmp_path: Path) -> None:
    p = tmp_path / "x.pcap"
    with open(p, "wb") as f:
        dpkt.pcap.Writer(f, linktype=147).writepkt(b"\x00" * 20, ts=T0)
    with pytest.raises(InputError, match="link type 147"):
        read_pcap(p)
