"""test_demo.py: the demo program of `make demo` records what its comments promise (checked on the decoded trace)."""
import collections

import hp

BATCHES = 40  # 40,000 log lines, two checkpoints: a fraction of the default run


def zone_durations(records, sites):
    """Durations in clock ticks of each zone site name, pairing begins and ends per thread."""
    open_zones = collections.defaultdict(list)
    durations = collections.defaultdict(list)
    for r in records:
        if r["type"] == "zone_begin":
            open_zones[r["stream"]].append((r["site"], r["tick"]))
        elif r["type"] == "zone_end":
            site, tick = open_zones[r["stream"]].pop()
            assert r["site"] in (0, site), f"zone end of site {r['site']} closes site {site}"
            durations[sites[site]].append(r["tick"] - tick)
    assert not any(open_zones.values()), "zones left open"
    return durations


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


@hp.timeout(240)
def test_demo_shows_each_pattern():
    with hp.tmpdir() as d:
        out = d / "demo.hpt"
        proc, traces = hp.record([hp.program("demo"), str(BATCHES)], output=out, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"demo: {BATCHES} batches, "), proc.stdout
        records = hp.dump(out)
    sites = {r["id"]: r["name"] for r in records if r["type"] == "site"}
    kinds = {r["name"]: r["kind"] for r in records if r["type"] == "site"}

    # Tagged functions and their nested zones.
    durations = zone_durations(records, sites)
    for name in ("process_batch", "generate", "parse", "parse_line", "tokenize", "convert", "aggregate",
                 "lookup_region", "miss", "rehash", "checkpoint", "sort", "format"):
        assert durations[name], f"no zone {name}"
    assert len(durations["parse_line"]) == BATCHES * 1000
    # Rare slow calls: a cache miss costs a thousand hits, so p99 is far above p50.
    lookups = durations["lookup_region"]
    assert percentile(lookups, 99) > 20 * percentile(lookups, 50), (percentile(lookups, 50), percentile(lookups, 99))
    # Visibly different costs: one checkpoint outweighs many parsed lines.
    assert min(durations["checkpoint"]) > 50 * percentile(durations["parse_line"], 50)

    # The counter adds up to the lines parsed; one mark per checkpoint.
    records_counted = sum(r["value"] for r in records if r["type"] == "counter" and sites[r["site"]] == "records")
    assert records_counted == BATCHES * 1000 and kinds["records"] == 1
    assert sum(1 for r in records if r["type"] == "mark" and sites[r["site"]] == "checkpoint") == BATCHES // 20

    # The hot site and the temporary allocations: at least three allocations per line, most freed.
    allocs = [r for r in records if r["type"] == "alloc"]
    assert len(allocs) >= 3 * BATCHES * 1000
    by_stack = collections.Counter(r["stack"] for r in allocs)
    assert by_stack.most_common(1)[0][1] >= BATCHES * 1000, "no hot allocation site"

    # The realloc chain: each step 256 bytes larger than the one before.
    steps = collections.Counter()
    size_at = {}
    for r in records:
        if r["type"] == "realloc":
            if r["old"] in size_at:
                steps[r["size"] - size_at.pop(r["old"])] += 1
            size_at[r["new"]] = r["size"]
    assert steps[256] >= 100 and steps.most_common(1)[0][0] == 256, steps

    # The leak: the slow-request nodes dropped at every checkpoint are never freed.
    live = {}
    for r in records:
        if r["type"] == "alloc":
            live[r["addr"]] = r["size"]
        elif r["type"] == "free":
            live.pop(r["addr"], None)
        elif r["type"] == "realloc":
            live.pop(r["old"], None)
            live[r["new"]] = r["size"]
    slow_nodes = sum(1 for size in live.values() if size == 64)
    assert slow_nodes >= 2000, f"{slow_nodes} nodes of 64 bytes left; the leak should leave thousands"
