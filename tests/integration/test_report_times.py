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


ALLOC_EVENTS = ("alloc", "free", "realloc", "alloc_fail")


def zone_totals_recomputed(events, process):
    """Each zone's time as docs/trace-format.md (EVENT_COST) says the analyzer takes it: the wall time
    less, for the events inside, CALIBRATION's cost per event, or for allocation events after an
    EVENT_COST the stream's latest measured rate, and less the WAITs. By zone site: the times summed,
    and the recorder's time taken out of them."""
    timed_ns = process["event_cost_ns"]
    alloc_ns = process["alloc_event_cost_ns"] or timed_ns
    rate, cost, opened, totals, taken = {}, {}, {}, {}, {}
    for e in events:
        s = e["stream"]
        if e["type"] == "event_cost":
            rate[s] = e["cost_ns"] / e["events"]
            continue
        c = cost.setdefault(s, [0, 0, 0.0])  # timed events, allocation events charged at CALIBRATION, measured
        if e["type"] == "wait":
            c[2] += e["wait_ns"]
        elif e["type"] in ALLOC_EVENTS and s in rate:
            c[2] += rate[s]
        elif e["type"] in ALLOC_EVENTS:
            c[1] += 1
        else:
            c[0] += 1
        if e["type"] == "zone_begin":
            opened.setdefault(s, []).append((e["site"], e["ns"], list(c)))
        elif e["type"] == "zone_end":
            site, start, c0 = opened[s].pop()
            spent = timed_ns * (c[0] - c0[0]) + alloc_ns * (c[1] - c0[1]) + round(c[2] - c0[2])
            totals[site] = totals.get(site, 0) + max(0, e["ns"] - start - spent)
            taken[site] = taken.get(site, 0) + min(spent, e["ns"] - start)
    return totals, taken


def test_a_zone_leaves_out_the_recorders_time_as_measured_in_the_run():
    """bench_zone_alloc: 30 zones of 4,000 malloc/free pairs. The recorder times one allocation event
    in 32 to 95 (the first after 64) and writes EVENT_COST after 8 samples, then every 64; the zone's
    reported time is its wall time less what those records, CALIBRATION and the WAITs say the recorder
    spent inside it."""
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("bench_zone_alloc"), "30", "4000"], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        dump = hp.dump(d / "t.hpt")
        process = next(r for r in dump if r["type"] == "process")
        events = [r for r in dump if "stream" in r and r["stream"] != 0]
        costs = [e for e in events if e["type"] == "event_cost"]
        heap_events = sum(e["type"] in ("alloc", "free") for e in events)
        assert heap_events >= 240_000 and costs, (heap_events, len(costs))
        assert 64 + 7 * 32 <= costs[0]["events"] <= 64 + 7 * 95, costs[0]
        assert all(64 * 32 <= c["events"] <= 64 * 95 and c["cost_ns"] > 0 for c in costs[1:]), costs[1:4]
        assert sum(c["events"] for c in costs) <= heap_events < sum(c["events"] for c in costs) + 64 * 95 + 64

        r = hp.report_json(d / "t.hpt")
        zone = next(f for f in r["functions"] if f["name"] == "alloc_batch")
        site = next(s["id"] for s in dump if s["type"] == "site" and s["name"] == "alloc_batch")
        totals, taken = zone_totals_recomputed(events, process)
        assert zone["calls"] == 30
        assert abs(zone["total_ns"] - totals[site]) <= zone["calls"], (zone["total_ns"], totals[site])  # rounding
        assert abs(zone["recorder_ns"] - taken[site]) <= zone["calls"], (zone["recorder_ns"], taken[site])
