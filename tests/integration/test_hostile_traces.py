"""test_hostile_traces.py: every analyzer command on mutated real traces (flipped bytes, cuts, duplicated,
dropped and reordered chunks, bad header fields, chunks from another trace, special files) ends with a
clean exit: no signal, no hang, no sanitizer report, and every message one "hookprof: " line.

Under `make test-asan` the analyzer is the ASan+UBSan build. The test runs a fixed sample (seed 14,
HOSTILE_CASES mutants); run this file as a script for more:
    python3 tests/integration/test_hostile_traces.py --build build-asan --cases 900 --all-commands
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hp
import hpt_craft

HOSTILE_CASES = 100
SEED = 14
COMMAND_TIMEOUT = 30

# Every command and format; `{t}` is the mutant, `{o}` the intact trace it came from, `{d}` a scratch dir.
COMMANDS = [
    ["report", "{t}"], ["report", "--format", "json", "--threads", "{t}"], ["report", "--format", "csv", "{t}"],
    ["report", "--format", "md", "--top", "0", "{t}"], ["report", "--format", "line", "{t}"],
    ["report", "--html", "{d}/r.html", "{t}"], ["leaks", "--kinds", "all", "{t}"], ["dump", "{t}"],
    ["dump", "--json", "{t}"], ["export", "--format", "chrome", "{t}"], ["export", "--format", "massif", "{t}"],
    ["export", "--format", "pprof", "-o", "{d}/p.pb.gz", "{t}"], ["export", "--format", "folded", "{t}"],
    ["export", "--format", "folded", "--cost", "leaked", "{t}"], ["check", "--min-score", "10", "{t}"],
    ["diff", "{o}", "{t}"], ["top", "--once", "{t}"],
]


def stored_copy(data):
    """The trace with every zstd chunk stored instead (decompressed by the zstd tool), so that
    mutations reach the records rather than the frames' checksums."""
    header, chunks, tail = hpt_craft.split(data)
    out = bytearray(header)
    for c in chunks:
        payload = hpt_craft.payload(c)
        out += b"HPCK" + struct.pack("<II", len(payload), len(payload)) + b"\0" + c[13:16] + payload
    return bytes(out + tail)


def mutate(rng, data, others):
    """One mutant of data and the name of what was done."""
    header, chunks, tail = hpt_craft.split(data)
    kind = rng.choice(["flip", "flip", "cut", "dup", "drop", "swap", "shuffle", "chunk-field", "header-field",
                       "varint", "splice", "zero-run"])
    if kind == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return kind, bytes(b)
    if kind == "cut":
        return kind, data[:rng.randrange(len(data))]
    if kind == "zero-run":
        b = bytearray(data)
        at, n = rng.randrange(len(b)), rng.randint(1, 64)
        b[at:at + n] = bytes([rng.choice([0, 0xFF])]) * len(b[at:at + n])
        return kind, bytes(b)
    if kind == "header-field":
        b = bytearray(data)
        at = rng.choice([8, 10, 12, 16, 17, 24])
        b[at] = rng.randrange(256)
        return kind, bytes(b)
    if not chunks:
        return "cut", data[:rng.randrange(len(data) + 1)]
    chunks = list(chunks)
    i = rng.randrange(len(chunks))
    if kind == "dup":
        chunks.insert(rng.randrange(len(chunks) + 1), chunks[i])
    elif kind == "drop":
        del chunks[i]
    elif kind == "swap":
        j = rng.randrange(len(chunks))
        chunks[i], chunks[j] = chunks[j], chunks[i]
    elif kind == "shuffle":
        rng.shuffle(chunks)
    elif kind == "chunk-field":
        c = bytearray(chunks[i])
        at = rng.choice([4, 5, 7, 8, 10, 11, 12, 13, 15])
        c[at] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        chunks[i] = bytes(c)
    elif kind == "varint":
        # A run of continuation bytes inside a stored chunk's records: varints that never end.
        c = bytearray(chunks[i])
        if len(c) > 17:
            at = rng.randrange(16, len(c))
            c[at:at + 12] = b"\xff" * len(c[at:at + 12])
        chunks[i] = bytes(c)
    elif kind == "splice":
        _, theirs, _ = hpt_craft.split(rng.choice(others))
        if theirs:
            chunks.insert(rng.randrange(len(chunks) + 1), rng.choice(theirs))
    return kind, header + b"".join(chunks) + tail


def check_run(cmd, proc, elapsed):
    """The problems of one run (an empty list when it ended cleanly)."""
    problems = []
    if proc is None:
        return [f"hung (no exit after {COMMAND_TIMEOUT} s)"]
    if proc.returncode < 0 or proc.returncode > 2:
        problems.append(f"exit {proc.returncode}")
    for line in proc.stderr.splitlines():
        if not line.startswith("hookprof: "):
            problems.append(f"stderr line not from hookprof: {line[:200]}")
            break
    return problems


def run_cmd(analyze, args, cwd):
    t0 = time.monotonic()
    try:
        proc = subprocess.run([str(analyze), *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, errors="replace", timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc = None
    return proc, time.monotonic() - t0


def record_sources(d):
    """Real traces of a few test programs (threads, leaks, instrumented calls, zones and counters, a
    killed process), each also with stored chunks; and two crafted ones."""
    sources = []
    for name, args, env in (("rec_threads", [], None), ("leak_patterns", [], None), ("rec_calls_instr", [], None),
                            ("rec_zones", [], None), ("rec_killed", [], None),
                            ("rec_target", [], {"HOOKPROF_RECORD": "alloc,zones"})):
        out = d / f"{name}.hpt"
        proc, traces = hp.record([hp.program(name), *args], output=out, extra_env=env)
        if out.exists():
            data = out.read_bytes()
            sources += [data, stored_copy(data)]
    sources += [hpt_craft.nested_zones(500), hpt_craft.many_streams(200)]
    return sources


def hostile_run(cases, all_commands, analyze, seed=SEED, jobs=2, log=None):
    """Runs the mutants; returns (cases, runs, failures as lines, seconds)."""
    rng = random.Random(seed)
    failures, runs, t0 = [], 0, time.monotonic()
    with hp.tmpdir() as d:
        sources = record_sources(d)
        assert len(sources) >= 10, "the test programs did not leave their traces"
        work = []
        for n in range(cases):
            src = rng.randrange(len(sources))
            kind, data = mutate(rng, sources[src], sources)
            orig = d / f"orig{src}.hpt"
            if not orig.exists():
                orig.write_bytes(sources[src])
            mutant = d / f"m{n:04d}.hpt"
            mutant.write_bytes(data)
            # In make test, one command a mutant, in turn: every command meets a dozen mutants.
            cmds = COMMANDS if all_commands else [COMMANDS[n % len(COMMANDS)]]
            for c in cmds:
                args = [a.replace("{t}", str(mutant)).replace("{o}", str(orig)).replace("{d}", str(d)) for a in c]
                work.append((n, kind, mutant, args))
        # Special files: a FIFO as the trace and named like a child trace, a directory, a device.
        fifo = d / "fifo.hpt"
        os.mkfifo(fifo)
        os.mkfifo(d / "orig0.hpt.4242")
        for c in COMMANDS:
            for t in (fifo, d, "/dev/zero") + ((d / "orig0.hpt",) if c[0] in ("report", "leaks") else ()):
                args = [a.replace("{t}", str(t)).replace("{o}", str(d / "orig0.hpt")).replace("{d}", str(d))
                        for a in c]
                work.append((-1, "special", t, args))

        def one(item):
            n, kind, mutant, args = item
            proc, elapsed = run_cmd(analyze, args, d)
            return item, check_run(args, proc, elapsed)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for (n, kind, mutant, args), problems in pool.map(one, work):
                runs += 1
                if problems:
                    keep = Path(tempfile.gettempdir()) / f"hookprof-hostile-{seed}-{n}.hpt"
                    if n >= 0:
                        keep.write_bytes(Path(mutant).read_bytes())
                    failures.append(f"case {n} ({kind}, kept as {keep}): {' '.join(args)}: {'; '.join(problems)}")
                    if log:
                        print(failures[-1], file=log, flush=True)
    return cases, runs, failures, time.monotonic() - t0


@hp.timeout(240)
def test_hostile_traces_end_cleanly():
    cases, runs, failures, _ = hostile_run(int(os.environ.get("HOOKPROF_HOSTILE_CASES", HOSTILE_CASES)), False,
                                           hp.ANALYZE)
    assert not failures, f"{len(failures)} of {runs} runs did not end cleanly:\n" + "\n".join(failures[:20])


@hp.timeout(120)
def test_reserved_kinds_are_read_on():
    """Allocation and free kinds the format reserves: every command ends cleanly, dump names them
    "unknown", and the blocks count as any other."""
    with hp.tmpdir() as d:
        t = d / "reserved.hpt"
        t.write_bytes(hpt_craft.reserved_kinds())
        for c in COMMANDS:
            args = [a.replace("{t}", str(t)).replace("{o}", str(t)).replace("{d}", str(d)) for a in c]
            proc, elapsed = run_cmd(hp.ANALYZE, args, d)
            problems = check_run(args, proc, elapsed)
            assert not problems, f"{' '.join(args)}: {'; '.join(problems)}"
        records = [r for r in hp.dump(t) if r["type"] in ("alloc", "free")]
        assert [(r["type"], r["kind"], r["kind_name"]) for r in records] == [
            ("alloc", 9, "unknown"), ("alloc", 10, "unknown"), ("free", 1, "unknown"), ("free", 2, "unknown")]
        summary = hp.report_json(t)["summary"]
        assert (summary["allocations"], summary["frees"]) == (2, 2), summary


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(hp.BUILD))
    ap.add_argument("--cases", type=int, default=HOSTILE_CASES)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--all-commands", action="store_true")
    a = ap.parse_args()
    analyze = Path(a.build).resolve() / "hookprof-analyze"
    os.environ["HOOKPROF_BUILD_DIR"] = str(Path(a.build).resolve())
    cases, runs, failures, secs = hostile_run(a.cases, a.all_commands, analyze, a.seed, a.jobs, sys.stdout)
    print(f"hostile traces: {cases} mutants, {runs} runs of {analyze} in {secs:.0f} s: {len(failures)} failed")
    sys.exit(1 if failures else 0)
