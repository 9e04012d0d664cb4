"""test_report.py: `report` and `leaks` on real traces: every format, children, bad input, truncation, colour."""
import csv
import io
import json
import os
import pty
import subprocess

import hp

BATCHES = 40


def demo_trace(d):
    out = d / "demo.hpt"
    proc, _ = hp.record([hp.program("demo"), str(BATCHES)], output=out, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def locations(report, rule):
    return [r["location"] for r in report["recommendations"] if r["rule"] == rule]


@hp.timeout(240)
def test_demo_report_in_every_format():
    with hp.tmpdir() as d:
        trace = demo_trace(d)
        r = hp.report_json(trace)
        s = r["summary"]
        for key in ("allocations", "frees", "bytes_allocated", "peak_heap_bytes", "temporary_allocations",
                    "leaked_bytes", "leaked_blocks", "events_lost", "threads"):
            assert isinstance(s[key], int), key
        assert s["events_lost"] == 0
        assert s["leaked_bytes"] == sum(k["bytes"] for k in s["leak_kinds"].values())
        assert 0 <= r["score"]["value"] <= 100 and r["score"]["category"] in (
            "excellent", "good", "average", "poor", "critical")
        names = {f["name"] for f in r["functions"]}
        assert {"parse_line", "lookup_region", "convert"} <= names, names
        for f in r["functions"]:
            assert f["min_ns"] <= f["p50_ns"] <= f["p95_ns"] <= f["p99_ns"] <= f["max_ns"], f
        # What demo.c's comments promise, said as advice that names the place.
        assert any("remember_slow" in loc for loc in locations(r, "leak")), r["recommendations"]
        assert any("text_append" in loc for loc in locations(r, "realloc-step")), r["recommendations"]
        assert any(loc.startswith("lookup_region (demo.c:") for loc in locations(r, "tail-latency"))
        for rec in r["recommendations"]:
            assert rec["severity"] in ("info", "warning", "critical") and rec["title"] and rec["detail"]
        for leak in r["leaks"]:
            assert leak["kind"] in ("definite", "indirect", "possible", "reachable", "unclassified")
            assert {"function", "file", "line", "module"} <= set(leak["stack"][0])
        assert r["children"] == []

        text = hp.analyze(["report", trace])
        assert "\x1b[" not in text, "colour on a pipe"
        assert f"Score: {r['score']['value']}/100 ({r['score']['category']})" in text
        md = hp.analyze(["report", "--format", "md", trace])
        assert md.startswith("# hookprof report\n")
        line = hp.analyze(["report", "--format", "line", trace])
        assert line.count("\n") == 1 and f"score={r['score']['value']} " in line
        table = list(csv.DictReader(io.StringIO(hp.analyze(["report", "--format", "csv", "--section", "functions",
                                                            "--top", "0", trace]))))
        assert {row["name"] for row in table} == {f["name"] for f in hp.report_json(trace, "--top", "0")["functions"]}
        whole = hp.analyze(["report", "--format", "csv", trace])
        assert whole.startswith("section,pid,key,value\n") and "\n\nsection,pid,name,file,line,calls," in whole

        # --top limits every table; --threads adds the per-thread rows.
        small = hp.report_json(trace, "--top", "2", "--threads")
        assert len(small["functions"]) == 2 and "threads" in small["functions"][0]


@hp.timeout(240)
def test_leaks_reads_like_memcheck():
    with hp.tmpdir() as d:
        trace = demo_trace(d)
        kinds = hp.report_json(trace)["summary"]["leak_kinds"]
        out = hp.analyze(["leaks", trace])
        definite = kinds["definite"]
        assert f"{definite['bytes']} bytes in {definite['blocks']} blocks are definitely lost" in out, out
        assert "   at 0x" in out and "   by 0x" in out and "remember_slow (demo.c:" in out
        assert "LEAK SUMMARY:" in out
        assert f"   definitely lost: {definite['bytes']} bytes in {definite['blocks']} blocks" in out
        indirect = kinds["indirect"]
        assert f"   indirectly lost: {indirect['bytes']} bytes in {indirect['blocks']} blocks" in out
        # Indirect blocks are listed only when asked for.
        assert "are indirectly lost" not in out
        assert "are indirectly lost" in hp.analyze(["leaks", "--kinds", "definite,indirect", trace])


def test_children_reported_after_the_root():
    with hp.tmpdir() as d:
        out = d / "f.hpt"
        proc, traces = hp.record([hp.program("rec_fork")], output=out)
        assert proc.returncode == 0, proc.stderr
        assert len(traces) == 2, traces
        r = hp.report_json(out)
        assert len(r["children"]) == 1
        child = r["children"][0]
        assert child["trace"] == str(traces[1]) and child["summary"]["pid"] != r["summary"]["pid"]
        assert set(child) == set(r) - {"children", "format_version"}  # the version: once, at the top
        assert hp.report_json(out, "--no-children")["children"] == []
        text = hp.analyze(["report", out])
        assert f"==== child process {child['summary']['pid']} (parent {r['summary']['pid']})" in text
        # Several traces: a JSON array, each reported once.
        both = json.loads(hp.analyze(["report", "--format", "json", out, traces[1]]))
        assert [x["summary"]["pid"] for x in both] == [r["summary"]["pid"], child["summary"]["pid"]]
        assert both[0]["children"] == []
        assert hp.analyze(["report", "--format", "line", out]).count("\n") == 2


def test_bad_input_and_usage_errors():
    with hp.tmpdir() as d:
        missing = d / "missing.hpt"
        proc = hp.run([hp.ANALYZE, "report", missing])
        assert proc.returncode == 1 and proc.stdout == ""
        assert proc.stderr == f"hookprof: cannot open '{missing}': No such file or directory\n", proc.stderr
        junk = d / "junk.hpt"
        junk.write_bytes(b"not a trace at all\n")
        proc = hp.run([hp.ANALYZE, "report", junk])
        assert proc.returncode == 1 and proc.stderr.startswith("hookprof: ") and proc.stderr.count("\n") == 1
        proc = hp.run([hp.ANALYZE, "leaks", missing])
        assert proc.returncode == 1 and proc.stderr.startswith("hookprof: cannot open")
        for args, message in ((["report"], "no trace given"),
                              (["report", "--format", "xml", "t"], "--format takes text, json, csv, md or line"),
                              (["report", "--top", "x", "t"], "--top takes a number"),
                              (["report", "--bogus", "t"], "unknown option '--bogus'"),
                              (["report", "--section", "functions", "t"], "--section applies to --format csv"),
                              (["leaks", "--kinds", "lost", "t"], "unknown kind 'lost'"),
                              (["leaks"], "no trace given")):
            proc = hp.run([hp.ANALYZE, *args])
            assert proc.returncode == 2, (args, proc.returncode)
            assert proc.stderr.startswith("hookprof: ") and message in proc.stderr, proc.stderr
            assert proc.stderr.count("\n") == 1, proc.stderr


@hp.timeout(240)
def test_config_and_truncated_trace():
    with hp.tmpdir() as d:
        trace = demo_trace(d)
        conf = d / "bad.conf"
        conf.write_text("# test\nrule.tail.ratoi = 3\n")
        proc = hp.run([hp.ANALYZE, "report", "--config", conf, trace])
        assert proc.returncode == 2
        assert proc.stderr == f"hookprof: {conf}:2: unknown key 'rule.tail.ratoi'\n"
        # A tail ratio no function reaches: no tail-latency advice.
        conf.write_text("rule.tail.ratio = 1e9\n")
        r = hp.report_json(trace, "--config", conf)
        assert locations(r, "tail-latency") == []

        cut = d / "cut.hpt"
        data = trace.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        proc = hp.run([hp.ANALYZE, "report", "--format", "json", cut])
        assert proc.returncode == 0, proc.stderr
        assert "hookprof: warning: " in proc.stderr
        r = json.loads(proc.stdout)
        assert r["summary"]["truncated"] is True and r["warnings"], r["warnings"]


def test_colour_only_on_a_terminal():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc, _ = hp.record([hp.program("ends_as"), "status", "0"], output=out)
        assert proc.returncode == 0, proc.stderr

        def on_tty(env):
            master, slave = pty.openpty()
            full = dict(os.environ, TERM="xterm", **env)
            full.pop("NO_COLOR", None) if "NO_COLOR" not in env else None
            p = subprocess.run([str(hp.ANALYZE), "report", str(out)], stdout=slave, stderr=subprocess.PIPE,
                               env=full, timeout=60)
            os.close(slave)
            chunks = []
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(master)
            assert p.returncode == 0, p.stderr
            return b"".join(chunks).decode()

        assert "\x1b[1m" in on_tty({})
        assert "\x1b[" not in on_tty({"NO_COLOR": "1"})


def test_per_site_bytes_at_the_peak_of_a_climbing_heap():
    # rec_peak.c climbs to its peak in 50 steps, each a new peak left by the next free: per-site bytes
    # at the peak are those of the top step, whatever the number of peaks before it.
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("rec_peak")], d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
        report = hp.report_json(traces[0])
        by_function = {}
        for s in report["sites"]:
            by_function[s["function"]] = by_function.get(s["function"], 0) + s["peak_bytes"]
        assert by_function.get("alloc_a") == 51000, by_function
        assert by_function.get("alloc_b") == 100000, by_function
        assert by_function.get("alloc_c", 0) == 0, by_function
        assert report["summary"]["peak_heap_bytes"] == 151000, report["summary"]["peak_heap_bytes"]


def test_dump_takes_a_free_before_the_reuse_of_its_address():
    """Version 3: stream 2 reuses 0xa000 in the epoch in which stream 3 frees it, though stream 3's free
    comes later in the file. `dump` prints the events in the order the report's heap model takes them:
    the free before the reuse (it printed them in key order, the reuse first), and the report counts no
    anomaly and no unmatched free."""
    import hpt_craft
    with hp.tmpdir() as d:
        trace = d / "reuse.hpt"
        trace.write_bytes(hpt_craft.reuse_within_an_epoch())
        heap = [(r["type"], r["stream"], r["addr"]) for r in hp.dump(trace) if r["type"] in ("alloc", "free")]
        assert heap == [("alloc", 3, 0xA000), ("free", 3, 0xA000), ("alloc", 2, 0xA000)], heap
        s = hp.report_json(trace)["summary"]
        assert (s["allocations"], s["frees"], s["anomalies"], s["unmatched_frees"]) == (2, 1, 0, 0), s
