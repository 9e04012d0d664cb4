"""test_export.py: `export` in each format, read back by its consumer: a JSON Schema, ms_print, go tool
pprof, a strict parser of folded stacks.

What the programs are known to do (their header comments):
  zone_sleeps      outer() 5 calls of 10 ms plus two inner() calls of 20 ms each, a mark per outer call,
                   a counter adding 3 per inner call
  rec_zones        per thread (2), 40 rounds of outer > middle > explicit (hp_end: the innermost), 5
                   "tick" marks and "items" adding 1..5 per round, "negative" adding -3 per round
  rec_longjmp      100 rounds: zones outer > jumper > inner, left by longjmp: "outer" ends all three
  rec_calls_instr  -finstrument-functions: main 1, alpha_fn 10, beta_fn 30, gamma_fn 120 calls
  rec_stacks       malloc(9001) from main > level1 > ... > level5, malloc(9002) from main, both freed
  alloc_inlined    7 mallocs of 4321 bytes from new_block(), inlined into holder(), called by main
  rec_threads      thread i of 8: 2000 + 100 i mallocs of 3000 + i bytes, and one calloc, in worker()
  leak_patterns    loses 971 bytes (635 definite, 272 indirect, 64 possible), 500 of them in 5 blocks
                   of direct_leaks()
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter

import hp

SCHEMA = hp.ROOT / "tests" / "integration" / "data" / "chrome-trace.schema.json"
# A frame has no ';' nor line break and does not start or end with a space; the count follows one space.
FOLDED_LINE = re.compile(r"^([^;\s](?:[^;\n]*[^;\s])?(?:;[^;\s](?:[^;\n]*[^;\s])?)*) ([1-9]\d*)$")
THREADS = 8


def export(*args):
    return hp.run([hp.ANALYZE, "export", *args])


def recorded(d, name, *args):
    trace = d / f"{name}.hpt"
    proc, _ = hp.record([hp.program(name), *args], output=trace)
    assert proc.returncode == 0, proc.stderr
    return trace


def validate_schema(path):
    """Validates the JSON at path with the jsonschema module of this Python, or else of the system's
    (Debian's python3-jsonschema, which .ci/run installs)."""
    code = ("import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
            "json.load(open(sys.argv[2]))); print('valid')")
    for python in (sys.executable, "/usr/bin/python3"):
        proc = subprocess.run([python, "-c", code, str(path), str(SCHEMA)], capture_output=True, text=True)
        if "No module named 'jsonschema'" in proc.stderr:
            continue
        assert proc.returncode == 0 and proc.stdout.strip() == "valid", proc.stderr[-2000:]
        return
    raise AssertionError("no Python here has the jsonschema module: apt-get install python3-jsonschema")


def chrome(d, trace):
    out = d / (trace.stem + ".json")
    hp.analyze(["export", "--format", "chrome", "-o", out, trace])
    validate_schema(out)
    return json.loads(out.read_text())["traceEvents"]


def ns(us):
    """Nanoseconds of a chrome time (microseconds with three decimals)."""
    return round(us * 1000)


def counter_values(events, name):
    return [e["args"][next(iter(e["args"]))] for e in events if e["ph"] == "C" and e["name"] == name]


def folded(trace, cost):
    out = hp.analyze(["export", "--format", "folded", "--cost", cost, trace])
    stacks = {}
    for line in out.splitlines():
        m = FOLDED_LINE.match(line)
        assert m, f"not a folded-stack line: {line!r}"
        assert m.group(1) not in stacks, f"stack listed twice: {line!r}"
        stacks[m.group(1)] = int(m.group(2))
    assert list(stacks) == sorted(stacks), "lines not in order"
    return stacks


def ending(stacks, suffix):
    """The one stack that ends with the frames of suffix (';'-separated), and its count."""
    found = [(s, n) for s, n in stacks.items() if s == suffix or s.endswith(";" + suffix)]
    assert len(found) == 1, (suffix, stacks)
    return found[0]


def go():
    go_bin = shutil.which("go")
    assert go_bin, "go tool pprof reads the pprof export back: apt-get install golang-go"
    return go_bin


def pprof_raw(path):
    """`go tool pprof -raw`: ([sample type names], [(values, [location ids])], {location id: [function
    names, innermost inlined first]})."""
    proc = hp.run([go(), "tool", "pprof", "-raw", path])
    assert proc.returncode == 0, proc.stderr
    types, samples, locations, section, last = [], [], {}, None, None
    for line in proc.stdout.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
        elif section == "Samples:" and not types:
            types = [t.split("/")[0] for t in line.split()]
        elif section == "Samples:":
            values, ids = line.split(":")
            samples.append(([int(v) for v in values.split()], [int(i) for i in ids.split()]))
        elif section == "Locations":
            m = re.match(r"^\s+(\d+): 0x[0-9a-f]+ (?:M=\d+ )?(.*)$", line)
            if m:
                last = int(m.group(1))
                locations[last] = []
            text = m.group(2) if m else line.strip()
            locations[last].append(text.rsplit(" ", 2)[0])   # "function file:line s=N"
    assert types and samples and locations, proc.stdout[:3000]
    return types, samples, locations


def stack_of(sample, locations):
    """A sample's function names, innermost first, inlined ones included."""
    return [name for loc in sample[1] for name in locations[loc]]


def test_chrome_trace_of_known_zones():
    with hp.tmpdir() as d:
        events = chrome(d, recorded(d, "zone_sleeps"))
        slices = [e for e in events if e["ph"] == "X"]
        outer = [e for e in slices if e["name"] == "outer"]
        inner = [e for e in slices if e["name"] == "inner"]
        assert len(outer) == 5 and len(inner) == 10, [e["name"] for e in slices]
        assert all(e["dur"] >= 20000 for e in inner), inner   # microseconds
        assert all(e["dur"] >= 50000 for e in outer), outer
        # each inner() runs inside an outer() of the same thread
        for e in inner:
            assert any(o["tid"] == e["tid"] and o["ts"] <= e["ts"] and e["ts"] + e["dur"] <= o["ts"] + o["dur"]
                       for o in outer), e
        marks = [e for e in events if e["ph"] == "i" and e["s"] == "t"]   # marks are on their thread
        assert [e["name"] for e in marks] == ["outer done"] * 5
        assert counter_values(events, "items") == list(range(3, 31, 3))
        assert any(v > 0 for v in counter_values(events, "RSS"))
        names = {e["name"]: e["args"]["name"] for e in events if e["ph"] == "M"}
        assert names["process_name"] == "zone_sleeps"
        # slices carry their function's name only; where it is defined is said once, in otherData
        assert not any("args" in e or " " in e["name"] for e in slices), slices[:3]
        out = d / "zone_sleeps.json"
        functions = json.loads(out.read_text())["otherData"]["functions"]
        where = {f["name"]: (f["kind"], f["file"].rsplit("/", 1)[-1]) for f in functions}
        assert where["outer"] == ("zone", "zone_sleeps.c") and where["inner"] == ("zone", "zone_sleeps.c"), where


def test_chrome_pairs_zones_as_the_report_does():
    with hp.tmpdir() as d:
        # hp_end() ends the innermost zone; two threads, each with its own stack and track
        trace = recorded(d, "rec_zones")
        events = chrome(d, trace)
        slices = Counter((e["name"], e["tid"]) for e in events if e["ph"] == "X")
        tids = {tid for _, tid in slices}
        assert len(tids) == 2 and slices == Counter({(n, t): 40 for n in ("outer", "middle", "explicit")
                                                     for t in tids}), slices
        assert Counter((e["name"], e["tid"]) for e in events if e["ph"] == "i" and e["s"] == "t") == \
            Counter({("tick", t): 200 for t in tids})
        assert counter_values(events, "items")[-1] == 2 * 40 * 15
        # a counter bumped in a loop: at most one point per millisecond, and its last value
        times = [e["ts"] for e in events if e["ph"] == "C" and e["name"] == "items"]
        assert all(b - a >= 1000 for a, b in zip(times, times[1:-1])), times
        assert counter_values(events, "negative")[-1] == 2 * 40 * -3
        threads = {e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
        assert tids <= threads
        # "explicit" slices end where hp_end() was recorded (a zone end naming no zone), not later
        ends = Counter((r["tid"], r["ns"]) for r in hp.dump(trace) if r.get("type") == "zone_end" and not r["site"])
        explicit = Counter((e["tid"], ns(e["ts"]) + ns(e["dur"])) for e in events
                           if e["ph"] == "X" and e["name"] == "explicit")
        assert explicit == ends and len(ends) == 80, (explicit, ends)

        # longjmp leaves jumper and inner open: the end of outer closes them at the same moment
        events = chrome(d, recorded(d, "rec_longjmp"))
        by_name = {n: sorted((e for e in events if e["ph"] == "X" and e["name"] == n), key=lambda e: e["ts"])
                   for n in ("outer", "jumper", "inner")}
        assert [len(v) for v in by_name.values()] == [100, 100, 100], by_name
        for o, j, i in zip(*by_name.values()):
            assert o["ts"] <= j["ts"] <= i["ts"]
            end = ns(o["ts"]) + ns(o["dur"])
            assert ns(j["ts"]) + ns(j["dur"]) == end and ns(i["ts"]) + ns(i["dur"]) == end, (o, j, i)

        # -finstrument-functions: names from the symbolizer, one slice per call
        events = chrome(d, recorded(d, "rec_calls_instr"))
        calls = Counter(e["name"] for e in events if e["ph"] == "X" and e.get("cat") == "function")
        assert calls == Counter(main=1, alpha_fn=10, beta_fn=30, gamma_fn=120), calls


def test_chrome_heap_track():
    with hp.tmpdir() as d:
        trace = recorded(d, "rec_threads")
        events = chrome(d, trace)
        report = hp.report_json(trace, "--top", "0")
        summary = report["summary"]
        heap = [e for e in events if e["ph"] == "C" and e["name"] == "heap"]
        # at most one point per millisecond (the last value aside), never above the peak
        times = [e["ts"] for e in heap]
        assert all(b - a >= 1000 for a, b in zip(times, times[1:-1])), times
        assert heap and max(e["args"]["bytes"] for e in heap) <= summary["peak_heap_bytes"]
        assert heap[-1]["args"]["bytes"] == sum(s["live_bytes"] for s in report["sites"])   # at the end
        # no zones here: the allocations track and the peak show the run instead of an empty profile
        assert not [e for e in events if e["ph"] == "X"]
        allocations = counter_values(events, "allocations")
        assert allocations == sorted(allocations) and allocations[-1] == summary["allocations"], allocations[-3:]
        peaks = [e for e in events if e["ph"] == "i" and e["name"] == "heap peak"]
        assert len(peaks) == 1 and peaks[0]["args"]["bytes"] == summary["peak_heap_bytes"], peaks


def test_folded_stacks_of_time_and_leaks():
    with hp.tmpdir() as d:
        z = recorded(d, "zone_sleeps")
        time = folded(z, "time")
        assert set(time) == {"outer", "outer;inner"}, time
        assert time["outer;inner"] >= 10 * 20_000_000 and time["outer"] >= 5 * 10_000_000
        tree = hp.report_json(z)["zone_tree"]
        assert sorted(time.values()) == sorted(n["self_ns"] for n in tree[1:]), tree
        assert folded(z, "time") == time   # deterministic

        leaks = recorded(d, "leak_patterns")
        leaked = folded(leaks, "leaked")
        assert sum(leaked.values()) == 635 + 272 + 64, leaked
        assert ending(leaked, "main;direct_leaks")[1] == 500
        report = hp.report_json(leaks, "--top", "0")
        assert sum(leaked.values()) == sum(report["summary"]["leak_kinds"][k]["bytes"]
                                           for k in ("definite", "indirect", "possible")), report["summary"]
        for cost in ("allocs", "bytes", "temporary"):
            assert sum(folded(leaks, cost).values()) == sum(s[cost] for s in report["sites"]), cost


def test_folded_allocations_of_known_stacks():
    with hp.tmpdir() as d:
        stacks = recorded(d, "rec_stacks")
        deep = "main;level1;level2;level3;level4;level5"
        assert ending(folded(stacks, "bytes"), deep)[1] == 9001
        assert ending(folded(stacks, "allocs"), deep)[1] == 1
        shallow = [n for s, n in folded(stacks, "bytes").items() if s.endswith(";main")]
        assert shallow == [9002]
        assert not any(s.endswith(deep) for s in folded(stacks, "leaked"))   # freed

        inlined = recorded(d, "alloc_inlined")
        assert ending(folded(inlined, "bytes"), "main;holder;new_block")[1] == 7 * 4321

        threads = recorded(d, "rec_threads")
        allocs = folded(threads, "allocs")
        stack, n = ending(allocs, "start_thread;worker")
        assert n == sum(2000 + 100 * i for i in range(THREADS)) + THREADS   # the mallocs and a calloc each
        assert not any(f in stack for f in ("malloc", "calloc", "hookprof")), stack
        assert ending(folded(threads, "bytes"), "start_thread;worker")[1] == \
            sum((2000 + 100 * i) * (3000 + i + 8) for i in range(THREADS))
        peak = ending(folded(threads, "peak"), "start_thread;worker")[1]
        assert 0 < peak <= hp.report_json(threads)["summary"]["peak_heap_bytes"]


def test_massif_read_by_ms_print():
    with hp.tmpdir() as d:
        leaks = recorded(d, "leak_patterns")
        hp.analyze(["export", "--format", "massif", "-o", d / "massif.out", leaks])
        ms = hp.run(["ms_print", d / "massif.out"])
        assert ms.returncode == 0, ms.stderr
        peak = hp.report_json(leaks)["summary"]["peak_heap_bytes"]
        assert f"({peak:,}B) (heap allocation functions)" in ms.stdout, ms.stdout[:3000]
        assert "(peak)" in ms.stdout
        # the last snapshot holds what was never freed: direct_leaks' 500 bytes among it, called by
        # main, below which massif shows nothing
        assert re.search(r"->\d+\.\d+% \(500B\) 0x[0-9A-F]+: direct_leaks \(leak_patterns\.c:\d+\)\n"
                         r"\| +->\d+\.\d+% \(500B\) 0x[0-9A-F]+: main \(leak_patterns\.c:\d+\)\n", ms.stdout), \
            ms.stdout
        assert "__libc_start_main" not in ms.stdout
        # tree_node()'s blocks, 24 to 48 bytes from 7 callers, each under 1% of the heap
        assert re.search(r"in \d+ places, all below massif's threshold \(1\.00%\)", ms.stdout), ms.stdout

        # many allocations: 50 to 100 snapshots spread over the run, and the peak among them
        threads = recorded(d, "rec_threads")
        hp.analyze(["export", "--format", "massif", "-o", d / "threads.out", threads])
        text = (d / "threads.out").read_text()
        snapshots = [int(n) for n in re.findall(r"^mem_heap_B=(\d+)$", text, re.M)]
        assert 50 <= len(snapshots) <= 103, len(snapshots)
        assert text.count("heap_tree=peak") == 1
        assert max(snapshots) == hp.report_json(threads)["summary"]["peak_heap_bytes"]
        ms = hp.run(["ms_print", d / "threads.out"])
        assert ms.returncode == 0, ms.stderr
        assert re.search(r"\(peak\)", ms.stdout)


def test_pprof_read_by_go_tool_pprof():
    with hp.tmpdir() as d:
        stacks = recorded(d, "rec_stacks")
        out = d / "stacks.pb.gz"
        hp.analyze(["export", "--format", "pprof", "-o", out, stacks])
        assert gzip.decompress(out.read_bytes())   # gzip, whole
        types, samples, locations = pprof_raw(out)
        assert types == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space", "zone_time"]
        deep = [s for s in samples if stack_of(s, locations)[:6] ==
                ["level5", "level4", "level3", "level2", "level1", "main"]]
        assert [s[0] for s in deep] == [[1, 9001, 0, 0, 0]], samples
        shallow = [s for s in samples if stack_of(s, locations)[0] == "main"]
        assert [s[0] for s in shallow] == [[1, 9002, 0, 0, 0]], samples
        top = hp.run([go(), "tool", "pprof", "-top", "-sample_index=alloc_space", "-unit=B", out])
        assert top.returncode == 0 and "Type: alloc_space" in top.stdout, top.stderr
        assert re.search(r"^\s+9001B\s.*\blevel5$", top.stdout, re.M), top.stdout

        # a location holds the frames inlined at its address, innermost first, then their caller
        inlined = recorded(d, "alloc_inlined")
        hp.analyze(["export", "--format", "pprof", "-o", d / "inlined.pb.gz", inlined])
        _, samples, locations = pprof_raw(d / "inlined.pb.gz")
        made = [s for s in samples if s[0][0] == 7]
        assert len(made) == 1 and made[0][0] == [7, 7 * 4321, 0, 0, 0], samples
        assert [locations[i] for i in made[0][1][:2]] == [["new_block", "holder"], ["main"]], locations

        # what is live at the end: every leak, by stack
        leaks = recorded(d, "leak_patterns")
        hp.analyze(["export", "--format", "pprof", "-o", d / "leaks.pb.gz", leaks])
        _, samples, locations = pprof_raw(d / "leaks.pb.gz")
        report = hp.report_json(leaks, "--top", "0")
        assert sum(s[0][3] for s in samples) == sum(s["live_bytes"] for s in report["sites"])
        assert sum(s[0][3] for s in samples) >= 635 + 272 + 64 + 577   # leaks and still reachable
        assert sum(s[0][2] for s in samples) == sum(s["live_blocks"] for s in report["sites"])
        assert sum(s[0][0] for s in samples) == report["summary"]["allocations"]
        direct = [s[0] for s in samples if stack_of(s, locations)[:2] == ["direct_leaks", "main"]]
        assert direct == [[5, 500, 5, 500, 0]], direct

        # zone time by path of zones
        zones = recorded(d, "zone_sleeps")
        hp.analyze(["export", "--format", "pprof", "-o", d / "zones.pb.gz", zones])
        _, samples, locations = pprof_raw(d / "zones.pb.gz")
        by_path = {tuple(stack_of(s, locations)): s[0][4] for s in samples}
        assert set(by_path) == {("outer",), ("inner", "outer")}, by_path
        assert by_path[("inner", "outer")] >= 10 * 20_000_000 and by_path[("outer",)] >= 5 * 10_000_000
        tree = hp.report_json(zones)["zone_tree"]
        assert sorted(by_path.values()) == sorted(n["self_ns"] for n in tree[1:])


def test_bad_arguments():
    with hp.tmpdir() as d:
        z = recorded(d, "zone_sleeps")
        for args, message in ((("--format", "pprof2"), "--format takes"),
                              (("--format", "folded", "--cost", "cycles"), "--cost takes"),
                              (("--format", "chrome", "--cost", "bytes"), "--cost applies to --format folded only"),
                              (("--cost", "bytes"), "--format is needed"),
                              (("--format", "chrome", "--bogus"), "unknown option '--bogus'")):
            bad = export(*args, z)
            assert bad.returncode == 2 and message in bad.stderr and bad.stderr.count("\n") == 1, (args, bad.stderr)
        bad = export("--format", "folded")
        assert bad.returncode == 2 and bad.stderr.startswith("hookprof: export: no trace given"), bad.stderr
        missing = export("--format", "folded", d / "none.hpt")
        assert missing.returncode == 1 and "none.hpt" in missing.stderr
        assert missing.stderr.count("\n") == 1, missing.stderr
        for fmt in ("chrome", "pprof"):
            unwritable = export("--format", fmt, "-o", d / "no" / "such" / "dir.out", z)
            assert unwritable.returncode == 1 and "dir.out" in unwritable.stderr
            assert unwritable.stderr.count("\n") == 1, unwritable.stderr
        assert not (d / "no").exists()
        with open("/dev/full", "w") as sink:  # every write fails with ENOSPC
            for fmt in ("massif", "pprof"):
                full = subprocess.run([str(hp.ANALYZE), "export", "--format", fmt, str(z)],
                                      stdout=sink, stderr=subprocess.PIPE, text=True)
                assert full.returncode == 1 and "No space left on device" in full.stderr, full.stderr
        # pprof's binary format is not for a terminal
        terminal, other_end = os.openpty()
        try:
            tty = subprocess.run([str(hp.ANALYZE), "export", "--format", "pprof", str(z)], stdout=terminal,
                                 stderr=subprocess.PIPE, text=True, timeout=60)
        finally:
            os.close(terminal)
            os.close(other_end)
        assert tty.returncode == 2 and "give -o FILE" in tty.stderr, tty.stderr
        # the launcher passes export through unchanged
        launched = hp.run([hp.LAUNCHER, "export", "--format", "folded", "--cost", "time", z])
        assert launched.returncode == 0 and launched.stdout == export("--format", "folded", z).stdout
        # -o: the file whole or not at all, nothing left beside it
        ok = export("--format", "folded", "-o", d / "z.folded", z)
        assert ok.returncode == 0 and ok.stdout == "" and (d / "z.folded").read_text().startswith("outer")
        assert sorted(p.name for p in d.iterdir()) == ["z.folded", "zone_sleeps.hpt"]
