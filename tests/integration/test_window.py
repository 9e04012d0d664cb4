"""test_window.py: `--window FROM..TO` restricts every figure to a stretch of the run, by mark or by time.

window_phases: 4 warm-up calls of step() (30 ms, 10 x 1000-byte blocks, counter +1 each), the mark
"warmed-up", then 6 steady calls (5 ms, 100 x 64-byte blocks, counter +2 each), nothing else after it.
"""
import json

import hp


def figures(trace, *window):
    r = hp.report_json(trace, *window)
    s = r["summary"]
    step = [f for f in r["functions"] if f["name"] == "step"]
    items = [c for c in r["counters"] if c["name"] == "items"]
    return r, s, step[0] if step else None, items[0]["total"] if items else 0


def test_window_by_mark_and_by_time():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("window_phases")], output=d / "w.hpt")
        assert proc.returncode == 0, proc.stderr
        trace = d / "w.hpt"
        whole, s, step, items = figures(trace)
        assert whole["summary"]["window"] is None and step["calls"] == 10 and items == 16
        mark_ns = [m["ns"] for m in whole["marks"] if m["name"] == "warmed-up"][0]

        # After the mark: the steady phase only, exactly.
        r, s, step, items = figures(trace, "--window", "warmed-up..")
        assert s["window"] == "warmed-up.." and s["window_from_ns"] == mark_ns
        assert (s["allocations"], s["bytes_allocated"], s["frees"]) == (600, 600 * 64, 600), s
        assert s["temporary_allocations"] == 600 and s["peak_heap_bytes"] == 64, s
        assert step["calls"] == 6 and step["allocs"] == 600 and items == 12, (step, items)
        assert 5e6 <= step["mean_ns"] < 30e6 and step["min_ns"] >= 5e6, step
        assert s["run_ns"] == whole["summary"]["run_ns"] - mark_ns, s
        # Rates are over the window's length.
        assert abs(s["allocations_per_second"] - 600 / (s["run_ns"] / 1e9)) < 1e-3 * s["allocations_per_second"]
        per_second = [c["per_second"] for c in r["counters"] if c["name"] == "items"][0]
        assert abs(per_second - 12 / (s["run_ns"] / 1e9)) < 1e-4 * per_second
        assert all(t["ns"] >= mark_ns for t in r["timeline"]), r["timeline"]

        # Before it: the warm-up's calls and the program's own 40 blocks of 1000 bytes among them.
        r, s, step, items = figures(trace, "--window", "..warmed-up")
        assert step["calls"] == 4 and step["allocs"] == 40 and step["alloc_bytes"] == 40000 and items == 4
        assert step["min_ns"] >= 30e6, step
        assert s["run_ns"] == mark_ns and r["marks"] == []

        # The same stretches given as times (the mark's, from the whole report) count the same.
        for by_mark, by_time in (("warmed-up..", f"{mark_ns}ns.."), ("..warmed-up", f"..{mark_ns}ns")):
            a, b = figures(trace, "--window", by_mark), figures(trace, "--window", by_time)
            for key in ("allocations", "bytes_allocated", "frees", "run_ns", "peak_heap_bytes"):
                assert a[1][key] == b[1][key], (by_mark, by_time, key)
            assert a[2]["calls"] == b[2]["calls"] and a[3] == b[3]

        # 2 ms in the middle of the warm-up, where step() runs all the time: the calls it cuts count
        # their time inside the window only, which is nearly all of it.
        r, s, step, items = figures(trace, "--window", "60ms..62ms")
        assert s["run_ns"] == 2_000_000 and step["calls"] in (1, 2), step
        assert 0.95 * 2_000_000 <= step["total_ns"] <= 2_000_000, step


def test_window_in_diff_check_and_errors():
    with hp.tmpdir() as d:
        hp.record([hp.program("window_phases")], output=d / "w.hpt")
        trace = d / "w.hpt"
        ok = hp.run([hp.ANALYZE, "check", trace, "--window", "warmed-up..", "--baseline", trace,
                     "--max-regression", "10%"])
        assert ok.returncode == 0 and "check passed" in ok.stdout, ok.stdout + ok.stderr
        diff = json.loads(hp.analyze(["diff", "--all", "--format", "json", "--window", "warmed-up..", trace, trace]))
        totals = {t["name"]: t["base"] for t in diff["totals"]}
        assert totals["allocations"] == 600 and totals["zone calls"] == 6, totals
        step = [f for f in diff["functions"] if f["name"] == "step"][0]
        assert step["base"]["calls"] == 6 and step["new"]["allocs"] == 600, step
        missing = hp.run([hp.ANALYZE, "report", "--window", "nosuch..", trace])
        assert missing.returncode == 1 and missing.stderr.strip().endswith("--window nosuch..: no mark 'nosuch' in the trace"), \
            missing.stderr
        late = hp.run([hp.ANALYZE, "report", "--window", "100s..", trace])
        assert late.returncode == 1 and "after the end of the run" in late.stderr, late.stderr
        bad = hp.run([hp.ANALYZE, "report", "--window", "warmed-up", trace])
        assert bad.returncode == 2 and "--window takes FROM..TO" in bad.stderr, bad.stderr
        backwards = hp.run([hp.ANALYZE, "report", "--window", "2s..1s", trace])
        assert backwards.returncode == 2 and "ends before it starts" in backwards.stderr, backwards.stderr
