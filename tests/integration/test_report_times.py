"""test_report_times.py: zone statistics of a program whose durations are known from its sleeps.

tests/programs/zone_sleeps.c: outer() x5 sleeps 10 ms and calls inner() twice; inner() sleeps 20 ms.
A sleep lasts at least what it asks for and, on a loaded machine, somewhat more: the lower bounds are
exact, the upper bounds only allow for that overshoot (generous, since CI machines are shared).
"""
import hp

MS = 1_000_000


def test_total_and_self_times_of_nested_zones():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        r = hp.report_json(d / "t.hpt")
        fns = {f["name"]: f for f in r["functions"]}
        outer, inner = fns["outer"], fns["inner"]
        assert outer["calls"] == 5 and inner["calls"] == 10
        # inner: 20 ms each, no zone inside it: self == total.
        assert 200 * MS <= inner["total_ns"] < 400 * MS, inner
        assert inner["self_ns"] == inner["total_ns"]
        assert 20 * MS <= inner["min_ns"] <= inner["p50_ns"] <= inner["p99_ns"] <= inner["max_ns"] < 60 * MS
        # outer: its own 10 ms plus two inner calls; self excludes them exactly.
        assert 250 * MS <= outer["total_ns"] < 500 * MS, outer
        assert outer["self_ns"] == outer["total_ns"] - inner["total_ns"]
        assert 50 * MS <= outer["self_ns"] < 150 * MS, outer
        assert 50 * MS <= outer["p50_ns"] < 100 * MS
        # The counter and the marks.
        counters = {c["name"]: c for c in r["counters"]}
        assert counters["items"]["total"] == 30
        assert len([m for m in r["marks"] if m["name"] == "outer done"]) == 5
        # Shares of run time: outer covers nearly all of it.
        assert 0.8 < outer["share"] <= 1.0, outer
