"""hpt_craft.py: builds .hpt traces byte by byte (docs/trace-format.md) and takes real ones apart into
chunks, for the tests that need traces no program writes: hostile mutations, 100,000 streams.

Chunks are written stored (codec 0), so that no zstd binding is needed; a real trace's chunks are kept
as they are (header and payload bytes) when it is taken apart, and their records decoded by the zstd
tool when asked (payload).
"""
import struct
import subprocess

MAGIC = b"HPTRACE\x1a"
CHUNK_MAGIC = b"HPCK"
HEADER_SIZE = 32
CHUNK_HEADER_SIZE = 16

# Record types (include/hpt_format.h).
ALLOC, FREE, REALLOC = 0x01, 0x02, 0x03
ZONE_BEGIN, ZONE_END, COUNTER, MARK, FUNC_ENTER, FUNC_EXIT = 0x10, 0x11, 0x12, 0x13, 0x14, 0x15
THREAD_START, THREAD_END, EPOCH = 0x18, 0x19, 0x1B
SITE = 0x21
PROCESS, CLOCK, SAMPLE, SYNC, PROCESS_END, STREAM = 0x30, 0x31, 0x32, 0x33, 0x34, 0x35


def u(v):
    """An unsigned LEB128 varint."""
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def s(v):
    """A signed value as the varint of its zigzag encoding."""
    return u(((v << 1) ^ (v >> 63)) & (2**64 - 1))


def string(text):
    b = text.encode() if isinstance(text, str) else text
    return u(len(b)) + b


def record(rtype, payload):
    return bytes([rtype]) + u(len(payload)) + payload


def header(features=0, version=2):
    return MAGIC + struct.pack("<HHIQQ", version, version, HEADER_SIZE, features, 0)


def chunk(raw, seq=0):
    """A stored chunk of the records in raw, with its sequence number (bytes 13..15, format version 2:
    0 for a trace's first chunk)."""
    return CHUNK_MAGIC + struct.pack("<II", len(raw), len(raw)) + b"\0" + struct.pack("<I", seq)[:3] + raw


class Stream:
    """The per-stream state of the format (last tick, last address), for records with deltas."""

    def __init__(self):
        self.tick = 0
        self.addr = 0

    def dt(self, tick):
        d = s(tick - self.tick)
        self.tick = tick
        return d

    def da(self, addr):
        d = s(addr - self.addr)
        self.addr = addr
        return d


def process(pid=1000, exe="/bin/crafted", argv=("crafted",)):
    payload = u(pid) + u(1) + u(1_700_000_000_000_000_000) + u(0) + string(exe) + u(len(argv))
    for a in argv:
        payload += string(a)
    return record(PROCESS, payload)


def clock(t):
    return record(CLOCK, u(t) + u(t) + u(1_700_000_000_000_000_000 + t))


def process_end(t, status=0):
    return record(PROCESS_END, u(t) + u(0) + s(status))


def split(data):
    """A real trace as (header bytes, [chunk bytes, ...], tail bytes that are no whole chunk)."""
    hsize = struct.unpack_from("<I", data, 12)[0]
    off, chunks = hsize, []
    while off + CHUNK_HEADER_SIZE <= len(data) and data[off:off + 4] == CHUNK_MAGIC:
        stored = struct.unpack_from("<I", data, off + 4)[0]
        end = off + CHUNK_HEADER_SIZE + stored
        if end > len(data):
            break
        chunks.append(data[off:end])
        off = end
    return data[:hsize], chunks, data[off:]


def payload(c):
    """The records of one chunk as split gives it: a zstd frame decoded by the zstd tool."""
    codec, body = c[12], c[CHUNK_HEADER_SIZE:]
    if codec != 1:
        return body
    return subprocess.run(["zstd", "-d", "-c", "-q"], input=body, stdout=subprocess.PIPE, check=True).stdout


def read_u(b, i):
    """The unsigned varint at b[i], and the index after it."""
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def many_streams(n, blocks=1):
    """A whole trace of n target threads, one after the other, each allocating and freeing `blocks`
    blocks one at a time: n streams in a trace of about 20 bytes a stream when blocks is 1."""
    raw = bytearray(record(STREAM, u(0)) + process() + clock(1000))
    t = 1000
    for i in range(1, n + 1):
        st = Stream()
        t += 10
        raw += record(STREAM, u(i))
        raw += record(THREAD_START, st.dt(t) + u(100000 + i))
        for _ in range(blocks):
            raw += record(ALLOC, st.dt(t + 1) + u(0) + st.da(0x10000 + 64 * i) + u(32) + u(0))
            raw += record(FREE, st.dt(t + 2) + u(0) + st.da(0x10000 + 64 * i))
            t += 2
        raw += record(THREAD_END, st.dt(t + 3))
        if i % 100 == 0:  # the writer's rounds: a SYNC releases what came before it
            raw += record(STREAM, u(0)) + record(SYNC, u(t + 4))
    end = t + 10
    raw += record(STREAM, u(0)) + clock(end) + record(SYNC, u(end + 1)) + process_end(end)
    return header() + chunk(bytes(raw))


def nested_zones(depth):
    """A whole trace of one thread entering `depth` nested calls of one instrumented function, then
    leaving them: the deep recursion of a -finstrument-functions program."""
    raw = bytearray(record(STREAM, u(0)) + process() + clock(1000) + record(STREAM, u(1)))
    st, t, fn = Stream(), 1000, 0x401000
    raw += record(THREAD_START, st.dt(t) + u(4242))
    for _ in range(depth):
        t += 10
        raw += record(FUNC_ENTER, st.dt(t) + u(fn))
    for _ in range(depth):
        t += 10
        raw += record(FUNC_EXIT, st.dt(t) + u(fn))
    raw += record(THREAD_END, st.dt(t + 1))
    raw += record(STREAM, u(0)) + clock(t + 2) + record(SYNC, u(t + 3)) + process_end(t + 2)
    return header() + chunk(bytes(raw))


def rising_heap(n, sites):
    """A whole trace of one thread whose heap rises by small steps from `sites` allocation stacks,
    freeing a temporary block between two steps: the heap leaves a new peak at nearly every event."""
    raw = bytearray(record(STREAM, u(0)) + process() + clock(1000) + record(STREAM, u(1)))
    st, t = Stream(), 1000
    raw += record(THREAD_START, st.dt(t) + u(4242))
    for i in range(n):
        t += 3
        raw += record(ALLOC, st.dt(t) + u(0) + st.da(0x100000 + 64 * i) + u(16) + u(1 + i % sites))
        raw += record(ALLOC, st.dt(t + 1) + u(0) + st.da(0x10) + u(8) + u(1))
        raw += record(FREE, st.dt(t + 2) + u(0) + st.da(0x10))
    raw += record(STREAM, u(0)) + clock(t + 3) + record(SYNC, u(t + 4)) + process_end(t + 3)
    return header() + chunk(bytes(raw))


def unmatched_exits(depth):
    """A whole trace of one thread entering `depth` nested calls of one function, then leaving as many
    times a function never entered: every exit matches no open call."""
    raw = bytearray(record(STREAM, u(0)) + process() + clock(1000) + record(STREAM, u(1)))
    st, t = Stream(), 1000
    raw += record(THREAD_START, st.dt(t) + u(4242))
    for fn in (0x401000, 0x999999):
        for _ in range(depth):
            t += 1
            raw += record(FUNC_ENTER if fn == 0x401000 else FUNC_EXIT, st.dt(t) + u(fn))
    raw += record(STREAM, u(0)) + clock(t + 1) + record(SYNC, u(t + 2)) + process_end(t + 1)
    return header() + chunk(bytes(raw))


def reuse_within_an_epoch():
    """A version 3 trace where stream 2 reuses, in the same epoch, an address that stream 3 frees later
    in the file: a reader has to take stream 3's free before stream 2's allocation (docs/trace-format.md,
    "Epochs"). Stream 3 allocates it in epoch 0; both streams' later events are in epoch 100.
    Allocation records carry no tick in version 3; their address is a delta from the stream's last one."""
    raw = bytearray(record(STREAM, u(0)) + process() + clock(1000))
    raw += record(STREAM, u(3)) + record(ALLOC, u(0) + s(0xA000) + u(10) + u(0))
    raw += record(STREAM, u(2)) + record(EPOCH, u(100)) + record(ALLOC, u(0) + s(0xA000) + u(20) + u(0))
    raw += record(STREAM, u(3)) + record(EPOCH, u(100)) + record(FREE, u(0) + s(0))
    raw += record(STREAM, u(0)) + process_end(2000)
    return header(version=3) + chunk(bytes(raw))


def reserved_kinds():
    """A version 3 trace whose allocations and frees use the kinds the format reserves (allocation 9
    and 10, free 1 and 2: once operator new and delete, never written): a reader reads them on."""
    raw = bytearray(record(STREAM, u(0)) + process() + clock(1000))
    raw += record(STREAM, u(1)) + record(THREAD_START, s(1000) + u(7))
    raw += record(ALLOC, u(9) + s(0xA000) + u(10) + u(0)) + record(ALLOC, u(10) + s(0x10) + u(20) + u(0))
    raw += record(FREE, u(1) + s(-0x10)) + record(FREE, u(2) + s(0x10))
    raw += record(STREAM, u(0)) + process_end(2000)
    return header(version=3) + chunk(bytes(raw))
