"""test_export.py: `export` in each format, read back by its consumer: a JSON Schema, ms_print, a strict parser.

zone_sleeps: outer() 5 calls of 10 ms plus two inner() calls of 20 ms each, a mark per outer call, a
counter adding 3 per inner call. leak_patterns loses 971 bytes (635 definite, 272 indirect, 64
possible: test_leaks.py checks them against valgrind), 500 of them in direct_leaks().
"""
import json
import re
import subprocess
import sys

import hp

SCHEMA = hp.ROOT / "tests" / "integration" / "data" / "chrome-trace.schema.json"
FOLDED_LINE = re.compile(r"^([^;\n]+(;[^;\n]+)*) (\d+)$")


def export(*args):
    return hp.run([hp.ANALYZE, "export", *args])


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


def folded(trace, cost):
    out = hp.analyze(["export", "--format", "folded", "--cost", cost, trace])
    stacks = {}
    for line in out.splitlines():
        m = FOLDED_LINE.match(line)
        assert m, f"not a folded-stack line: {line!r}"
        assert m.group(1) not in stacks, f"stack listed twice: {line!r}"
        stacks[m.group(1)] = int(m.group(3))
    return stacks


def test_chrome_trace_of_known_zones():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        hp.analyze(["export", "--format", "chrome", "-o", d / "t.json", d / "t.hpt"])
        validate_schema(d / "t.json")
        events = json.loads((d / "t.json").read_text())["traceEvents"]
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
        marks = [e for e in events if e["ph"] == "i"]
        assert [e["name"] for e in marks] == ["outer done"] * 5
        items = [e["args"]["value"] for e in events if e["ph"] == "C" and e["name"] == "items"]
        assert items == list(range(3, 31, 3)), items
        assert any(e["ph"] == "C" and e["name"] == "RSS" and e["args"]["bytes"] > 0 for e in events)
        names = {e["name"]: e["args"]["name"] for e in events if e["ph"] == "M"}
        assert names["process_name"] == "zone_sleeps"


def test_folded_stacks_of_time_and_leaks():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "z.hpt")
        assert proc.returncode == 0, proc.stderr
        time = folded(d / "z.hpt", "time")
        assert set(time) == {"outer", "outer;inner"}, time
        assert time["outer;inner"] >= 10 * 20_000_000 and time["outer"] >= 5 * 10_000_000
        tree = hp.report_json(d / "z.hpt")["zone_tree"]
        assert sorted(time.values()) == sorted(n["self_ns"] for n in tree[1:]), tree

        proc, _ = hp.record([hp.program("leak_patterns")], output=d / "l.hpt")
        assert proc.returncode == 0, proc.stderr
        leaked = folded(d / "l.hpt", "leaked")
        assert sum(leaked.values()) == 635 + 272 + 64, leaked
        direct = [s for s in leaked if s.endswith(";main;direct_leaks")]
        assert len(direct) == 1 and leaked[direct[0]] == 500, leaked
        report = hp.report_json(d / "l.hpt", "--top", "0")
        for cost, key in (("allocs", "allocs"), ("bytes", "bytes"), ("temporary", "temporary")):
            values = folded(d / "l.hpt", cost)
            assert sum(values.values()) == sum(s[key] for s in report["sites"]), cost
        assert sum(folded(d / "l.hpt", "allocs").values()) == report["summary"]["allocations"]


def test_massif_read_by_ms_print():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("leak_patterns")], output=d / "l.hpt")
        assert proc.returncode == 0, proc.stderr
        hp.analyze(["export", "--format", "massif", "-o", d / "massif.out", d / "l.hpt"])
        ms = hp.run(["ms_print", d / "massif.out"])
        assert ms.returncode == 0, ms.stderr
        peak = hp.report_json(d / "l.hpt")["summary"]["peak_heap_bytes"]
        assert f"({peak:,}B) (heap allocation functions)" in ms.stdout, ms.stdout[:3000]
        assert "(peak)" in ms.stdout
        # the last snapshot holds what was never freed: direct_leaks' 500 bytes among it
        assert re.search(r"\(500B\) 0x[0-9A-F]+: direct_leaks \(leak_patterns\.c:\d+\)", ms.stdout), ms.stdout


def test_bad_arguments():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "z.hpt")
        bad = export("--format", "pprof2", d / "z.hpt")
        assert bad.returncode == 2 and "--format takes" in bad.stderr
        bad = export("--format", "chrome", "--cost", "bytes", d / "z.hpt")
        assert bad.returncode == 2 and "--cost applies to --format folded only" in bad.stderr
        missing = export("--format", "folded", d / "none.hpt")
        assert missing.returncode == 1 and "none.hpt" in missing.stderr
        unwritable = export("--format", "chrome", "-o", d / "no" / "such" / "dir.json", d / "z.hpt")
        assert unwritable.returncode == 1 and "dir.json" in unwritable.stderr
        assert unwritable.stderr.count("\n") == 1
        assert not (d / "no").exists()
        with open("/dev/full", "w") as sink:  # every write fails with ENOSPC
            full = subprocess.run([str(hp.ANALYZE), "export", "--format", "massif", str(d / "z.hpt")],
                                  stdout=sink, stderr=subprocess.PIPE, text=True)
        assert full.returncode == 1 and "No space left on device" in full.stderr, full.stderr
