"""pcap and pcapng captures: clear-text HTTP/1.x requests and TLS server names, read with ``dpkt``.

TCP payloads are put back in order per direction of a connection (segments sorted by sequence
number, retransmissions and overlaps trimmed, a bounded buffer per direction), then read as:

* HTTP/1.x requests (method, Host, URL, headers, body, chunked or by Content-Length) -> one flow
  each, scheme ``http``, PI scanned like a HAR request; the matching response gives the status;
* a TLS ClientHello -> one flow, scheme ``tls``, host from the SNI, no PI scan (the bytes are
  encrypted);
* anything else is counted in a note.

DNS answers seen in the capture name the IP addresses of flows without Host or SNI. A capture
cut short keeps the flows read so far, with a note; one with nothing readable is ``MalformedInput``.
"""

from __future__ import annotations

import os
import socket
import struct
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.network.hosts import attribute, normalise_host
from privaudit.evidence.network.pi_match import PiMatcher, scan_request
from privaudit.evidence.runtime.model import Capture, Flow
from privaudit.model import Provenance

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_STREAM = 8 * 1024 * 1024  # payload bytes kept per direction of a connection
MAX_TLS = 64 * 1024  # enough for any ClientHello
MAX_TOTAL = 512 * 1024 * 1024  # payload bytes held for all open connections together
MAX_RECORD = 16 * 1024 * 1024  # a packet record (or pcapng block) larger than this is corruption
MAX_HEADER = 64 * 1024  # bytes of an HTTP header block
HTTP_METHODS = (b"GET", b"POST", b"PUT", b"DELETE", b"HEAD", b"OPTIONS", b"PATCH", b"CONNECT", b"TRACE")

# Link types (https://www.tcpdump.org/linktypes.html)
DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_LOOP, DLT_LINUX_SLL, DLT_LINUX_SLL2 = 0, 1, 101, 108, 113, 276
RAW_ALIASES = (12, 14, 228, 229)


def read_pcap(path: str | os.PathLike[str], matcher: PiMatcher | None = None, *,
              first_party: Iterable[str] = ()) -> Capture:
    """Read a pcap or pcapng file into flows (see the module docstring)."""
    dpkt = _dpkt()
    p = os.fspath(path)
    matcher = matcher or PiMatcher(None)
    try:
        f = open(p, "rb")
    except OSError as e:
        raise InputError(f"cannot read capture: {e.strerror or e}", p) from None
    with f:
        magic = f.read(4)
        f.seek(0)
        if magic in PCAP_MAGICS:
            fmt = "pcap"
        elif magic == PCAPNG_MAGIC:
            fmt = "pcapng"
        else:
            raise InputError("not a pcap or pcapng capture (unknown magic number)", p)
        src = _Source(f)
        try:
            reader = dpkt.pcap.Reader(src) if fmt == "pcap" else dpkt.pcapng.Reader(src)
        except (ValueError, struct.error, dpkt.Error, _Corrupt) as e:
            raise MalformedInput(f"{fmt} file header is unreadable ({_why(e)})", p) from None
        state = _State(p, fmt, matcher, tuple(first_party), reader.datalink())
        if state.decode is None:
            raise InputError(f"{fmt} link type {reader.datalink()} is not supported (Ethernet, raw IP, Linux "
                             "cooked and loopback are)", p)
        it = iter(reader)
        broken = None
        while True:
            try:
                ts, buf = next(it)
            except StopIteration:
                break
            except (ValueError, struct.error, dpkt.Error, _Corrupt) as e:
                broken = _why(e)
                break
            state.packet(float(ts), buf)
        if src.short_read and broken is None:
            broken = "the file ends inside a record"
        if broken is not None:
            if state.packets == 0:
                raise MalformedInput(f"{fmt} has no readable packet: {broken}", p)
            state.notes.append(f"capture truncated or damaged after packet {state.packets} ({broken}); "
                               "the flows read before that are kept")
        return state.finish()


# --------------------------------------------------------------------------------------------
# Reading records
# --------------------------------------------------------------------------------------------


class _Corrupt(Exception):
    pass


class _Source:
    """The file as dpkt reads it: notes short reads (truncation) and refuses absurd record sizes."""

    def __init__(self, f: Any) -> None:
        self._f = f
        self.name = getattr(f, "name", "<capture>")
        self.short_read = False

    def read(self, n: int = -1) -> bytes:
        if n > MAX_RECORD:
            raise _Corrupt(f"a record claims {n} bytes")
        b = self._f.read(n)
        if 0 < len(b) < n:
            self.short_read = True
        return b


def _why(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


# --------------------------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Direction:
    src: tuple[str, int]
    dst: tuple[str, int]
    isn: int | None = None  # sequence number of the first payload byte, when the SYN was seen
    segs: dict[int, bytes] = field(default_factory=dict)  # seq -> payload (the longest seen)
    times: dict[int, float] = field(default_factory=dict)  # seq -> first time seen
    size: int = 0
    limit: int = MAX_STREAM
    cut: bool = False
    fin: bool = False

    def add(self, seq: int, payload: bytes, ts: float, budget: list[int]) -> None:
        if not self.segs and payload[:1] == b"\x16":
            self.limit = MAX_TLS
        old = self.segs.get(seq)
        if old is not None and len(old) >= len(payload):
            return
        grow = len(payload) - (len(old) if old else 0)
        if self.size + grow > self.limit or budget[0] < grow:
            self.cut = True
            return
        self.segs[seq] = payload
        self.times.setdefault(seq, ts)
        self.size += grow
        budget[0] -= grow

    def assemble(self) -> tuple[bytes, list[tuple[int, float]], bool]:
        """The bytes in order from the start, the (offset, time) of each segment, and whether a gap cut them."""
        if not self.segs:
            return b"", [], False
        ref = next(iter(self.segs)) if self.isn is None else self.isn
        rel = sorted((((s - ref + 2**31) & 0xFFFFFFFF) - 2**31, s) for s in self.segs)
        base = rel[0][0] if self.isn is None else 0
        out = bytearray()
        times: list[tuple[int, float]] = []
        gap = False
        for r, s in rel:
            off = r - base
            data = self.segs[s]
            if off > len(out):
                gap = True
                break
            if off + len(data) <= len(out):
                continue
            times.append((len(out), self.times[s]))
            out += data[len(out) - off:]
        return bytes(out), times, gap


@dataclass(slots=True, eq=False)
class _Conn:
    index: int
    a: _Direction
    b: _Direction
    rst: bool = False

    def side(self, src: tuple[str, int]) -> _Direction:
        return self.a if self.a.src == src else self.b


class _State:
    def __init__(self, path: str, fmt: str, matcher: PiMatcher, first_party: tuple[str, ...], linktype: int) -> None:
        self.path, self.fmt, self.matcher, self.first_party = path, fmt, matcher, first_party
        self.decode = _link_decoder(linktype)
        self.conns: dict[frozenset, _Conn] = {}
        self.flows: list[tuple[float, int, int, Flow]] = []
        self.notes: list[str] = []
        self.names: dict[str, str] = {}  # IP -> DNS name asked for it
        self.packets = 0
        self.undecodable = 0
        self.fragments = 0
        self.quic = 0
        self.other_streams = 0
        self.cut_streams = 0
        self.gaps = 0
        self.budget = [MAX_TOTAL]
        self.conn_count = 0

    # one packet ------------------------------------------------------------------------------

    def packet(self, ts: float, buf: bytes) -> None:
        self.packets += 1
        try:
            ip = self.decode(buf)
        except Exception:  # dpkt raises many kinds on damaged frames; such a frame is only counted
            ip = None
        if ip is None:
            self.undecodable += 1
            return
        dpkt = _dpkt()
        if isinstance(ip, dpkt.ip.IP):
            if ip.mf or ip.offset:  # a fragment: not reassembled
                self.fragments += 1
                return
            src, dst = socket.inet_ntop(socket.AF_INET, ip.src), socket.inet_ntop(socket.AF_INET, ip.dst)
        else:
            src, dst = socket.inet_ntop(socket.AF_INET6, ip.src), socket.inet_ntop(socket.AF_INET6, ip.dst)
        l4 = ip.data
        if isinstance(l4, dpkt.tcp.TCP):
            self.tcp(ts, (src, l4.sport), (dst, l4.dport), l4)
        elif isinstance(l4, dpkt.udp.UDP):
            if l4.sport == 53:
                self.dns(bytes(l4.data))
            elif l4.dport == 443:
                self.quic += 1

    def tcp(self, ts: float, src: tuple[str, int], dst: tuple[str, int], tcp: Any) -> None:
        key = frozenset((src, dst))
        conn = self.conns.get(key)
        syn, ack = tcp.flags & 0x02, tcp.flags & 0x10
        if syn and not ack and conn is not None and conn.side(src).isn not in (None, (tcp.seq + 1) & 0xFFFFFFFF):
            self.close(key)  # a new connection on the same ports
            conn = None
        if conn is None:
            self.conn_count += 1
            conn = _Conn(self.conn_count, _Direction(src, dst), _Direction(dst, src))
            self.conns[key] = conn
        d = conn.side(src)
        if syn:
            d.isn = (tcp.seq + 1) & 0xFFFFFFFF
        payload = bytes(tcp.data)
        if payload:
            d.add(tcp.seq, payload, ts, self.budget)
        if tcp.flags & 0x01:
            d.fin = True
        if tcp.flags & 0x04:
            conn.rst = True
        if conn.rst or (conn.a.fin and conn.b.fin):
            self.close(key)

    def dns(self, data: bytes) -> None:
        dpkt = _dpkt()
        try:
            msg = dpkt.dns.DNS(data)
        except Exception:  # a damaged DNS answer only loses a name
            return
        asked = msg.qd[0].name if msg.qd else None
        for rr in msg.an:
            try:
                if rr.type == 1 and len(rr.rdata) == 4:
                    self.names[socket.inet_ntop(socket.AF_INET, rr.rdata)] = asked or rr.name
                elif rr.type == 28 and len(rr.rdata) == 16:
                    self.names[socket.inet_ntop(socket.AF_INET6, rr.rdata)] = asked or rr.name
            except (ValueError, OSError):
                continue

    # one connection --------------------------------------------------------------------------

    def close(self, key: frozenset) -> None:
        conn = self.conns.pop(key)
        streams = {}
        for d in (conn.a, conn.b):
            data, times, gap = d.assemble()
            self.budget[0] += d.size
            d.segs.clear()
            self.cut_streams += d.cut
            self.gaps += gap
            streams[id(d)] = (d, data, times)
        client = next((s for s in streams.values() if _is_request(s[1]) or _is_client_hello(s[1])), None)
        if client is None:
            if any(s[1] for s in streams.values()):
                self.other_streams += 1
            return
        d, data, times = client
        server_data = next(s[1] for s in streams.values() if s[0] is not d)
        host_ip = d.dst[0]
        if _is_client_hello(data):
            sni = client_hello_sni(data)
            host = normalise_host(sni) if sni else self.names.get(host_ip, host_ip)
            self.add_flow(times[0][1], conn.index, 0, host, "tls", None, None, None, [])
            if not sni:
                self.notes.append(f"TLS connection to {host_ip}:{d.dst[1]} without SNI; host from "
                                  f"{'DNS' if host != host_ip else 'the IP address'}")
            return
        statuses = [m.status for m in http_messages(server_data, request=False)]
        for k, m in enumerate(http_messages(data, request=True)):
            host_header = m.header("host")
            host = normalise_host(host_header) if host_header else self.names.get(host_ip, host_ip)
            target = m.target
            if target.startswith(("http://", "https://")):
                url = target
            else:
                authority = host_header or (host if d.dst[1] == 80 else f"{host}:{d.dst[1]}")
                url = f"http://{authority}{target}"
            hits, notes = scan_request(self.matcher, url, m.headers, m.body)
            self.notes += notes
            t = times[max(0, bisect_right([o for o, _ in times], m.offset) - 1)][1]
            self.add_flow(t, conn.index, k, host, "http", m.method, url, statuses[k] if k < len(statuses) else None,
                          hits)

    def add_flow(self, t: float, conn: int, k: int, host: str, scheme: str, method: str | None, url: str | None,
                 status: int | None, hits: list) -> None:
        kind, owner, sdk_id = attribute(host, self.first_party) if host else ("unknown", None, None)
        flow = Flow(id="", t=t, host=host, provenance=Provenance("network", self.path), scheme=scheme,
                    method=method, url=url, status=status, owner_kind=kind, owner=owner, sdk_id=sdk_id, hits=hits)
        self.flows.append((t, conn, k, flow))

    def finish(self) -> Capture:
        for key in list(self.conns):
            self.close(key)
        self.flows.sort(key=lambda x: (x[0], x[1], x[2]))
        capture = Capture(path=self.path, format=self.fmt, clock="epoch")
        for n, (_t, _c, _k, flow) in enumerate(self.flows):
            flow.id = f"pcap:{n}"
            flow.provenance.locator = flow.id
            capture.flows.append(flow)
        counts = [
            (self.undecodable, "packets could not be decoded (not IP, or damaged)"),
            (self.fragments, "IP fragments were not reassembled"),
            (self.quic, "UDP packets to port 443 (QUIC) are encrypted and were not read"),
            (self.other_streams, "TCP connections carried neither HTTP/1.x nor TLS and were skipped"),
            (self.cut_streams, f"TCP streams passed the buffer limit ({MAX_STREAM} bytes) and were cut"),
            (self.gaps, "TCP streams had missing segments; they were read up to the gap"),
        ]
        capture.notes = self.notes[:50] + [f"{n} {text}" for n, text in counts if n]
        return capture


# --------------------------------------------------------------------------------------------
# Link layers
# --------------------------------------------------------------------------------------------


def _link_decoder(linktype: int) -> Any:
    dpkt = _dpkt()

    def by_version(buf: bytes) -> Any:
        if not buf:
            return None
        v = buf[0] >> 4
        return dpkt.ip.IP(buf) if v == 4 else dpkt.ip6.IP6(buf) if v == 6 else None

    def ip_of(frame: Any) -> Any:
        data = frame.data
        return data if isinstance(data, (dpkt.ip.IP, dpkt.ip6.IP6)) else None

    if linktype == DLT_EN10MB:
        return lambda buf: ip_of(dpkt.ethernet.Ethernet(buf))
    if linktype == DLT_RAW or linktype in RAW_ALIASES:
        return by_version
    if linktype in (DLT_NULL, DLT_LOOP):
        return lambda buf: by_version(buf[4:])
    if linktype == DLT_LINUX_SLL:
        return lambda buf: ip_of(dpkt.sll.SLL(buf))
    if linktype == DLT_LINUX_SLL2:
        return lambda buf: ip_of(dpkt.sll2.SLL2(buf))
    return None


# --------------------------------------------------------------------------------------------
# HTTP/1.x and TLS
# --------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class HttpMessage:
    offset: int
    method: str | None
    target: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


def _is_request(data: bytes) -> bool:
    head = data[:8]
    return any(head.startswith(m + b" ") for m in HTTP_METHODS)


def _is_client_hello(data: bytes) -> bool:
    return len(data) >= 6 and data[0] == 0x16 and data[1] == 0x03 and data[5] == 0x01


def http_messages(data: bytes, request: bool) -> list[HttpMessage]:
    """The HTTP/1.x requests (or responses) in one direction of a connection, in order."""
    out: list[HttpMessage] = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos, pos + MAX_HEADER)
        if end < 0:
            break
        lines = data[pos:end].split(b"\r\n")
        first = lines[0].split(b" ", 2)
        method = target = status = None
        if request:
            if len(first) < 2 or first[0] not in HTTP_METHODS:
                break
            method, target = first[0].decode("ascii"), first[1].decode("utf-8", "surrogateescape")
        else:
            if len(first) < 2 or not first[0].startswith(b"HTTP/1.") or not first[1].isdigit():
                break
            status = int(first[1])
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                headers.append((name.strip().decode("latin-1"), value.strip().decode("utf-8", "surrogateescape")))
        msg = HttpMessage(pos, method, target or "", status, headers, b"")
        start = end + 4
        te = (msg.header("transfer-encoding") or "").lower()
        length = msg.header("content-length")
        if "chunked" in te:
            msg.body, pos = _dechunk(data, start)
        elif length is not None and length.strip().isdigit():
            n = int(length.strip())
            msg.body, pos = data[start:start + n], start + n
        elif request or (status is not None and (status < 200 or status in (204, 304))):
            pos = start
        else:
            msg.body, pos = data[start:], len(data)
        out.append(msg)
    return out


def _dechunk(data: bytes, pos: int) -> tuple[bytes, int]:
    body = bytearray()
    while True:
        eol = data.find(b"\r\n", pos, pos + 1024)
        if eol < 0:
            return bytes(body), len(data)
        size_text = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return bytes(body), len(data)
        pos = eol + 2
        if size == 0:
            end = data.find(b"\r\n\r\n", pos - 2)  # trailers end with an empty line
            return bytes(body), (end + 4 if end >= 0 else len(data))
        body += data[pos:pos + size]
        pos += size + 2


def client_hello_sni(data: bytes) -> str | None:
    """The server name of a TLS ClientHello (which may span several records), or None."""
    hs = bytearray()
    pos = 0
    try:
        while pos + 5 <= len(data) and data[pos] == 0x16:
            n = struct.unpack_from(">H", data, pos + 3)[0]
            hs += data[pos + 5:pos + 5 + n]
            pos += 5 + n
            if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
                break
        if len(hs) < 4 or hs[0] != 1:
            return None
        body = bytes(hs[4:4 + int.from_bytes(hs[1:4], "big")])
        p = 2 + 32
        p += 1 + body[p]  # session id
        p += 2 + struct.unpack_from(">H", body, p)[0]  # cipher suites
        p += 1 + body[p]  # compression methods
        end = p + 2 + struct.unpack_from(">H", body, p)[0]
        p += 2
        while p + 4 <= min(end, len(body)):
            etype, elen = struct.unpack_from(">HH", body, p)
            p += 4
            if etype == 0:
                q = p + 2
                while q + 3 <= p + elen:
                    ntype, nlen = body[q], struct.unpack_from(">H", body, q + 1)[0]
                    if ntype == 0:
                        return body[q + 3:q + 3 + nlen].decode("ascii", "replace") or None
                    q += 3 + nlen
                return None
            p += elen
    except (IndexError, struct.error):
        return None
    return None


def _dpkt() -> Any:
    try:
        import dpkt
        import dpkt.pcapng
        import dpkt.sll2  # noqa: F401 - registers the SLL2 decoder used above
    except ImportError:
        raise InputError("reading pcap files needs the dpkt package: pip install dpkt") from None
    return dpkt
