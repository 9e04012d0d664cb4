"""test_report_sections.py: sections built from others must add up: the allocating functions (sites
merged by function) against the sites section of the same report."""
import collections

import hp

FIGURES = ("allocs", "bytes", "temporary", "peak_bytes", "live_bytes", "leaked_bytes")


def demo_trace(d):
    proc, traces = hp.record([hp.program("demo"), "10"], output=d / "demo.hpt", timeout=120)
    assert proc.returncode == 0, proc.stderr
    return traces[0]


@hp.timeout(180)
def test_allocating_functions_add_up_to_the_sites():
    with hp.tmpdir() as d:
        trace = demo_trace(d)
        r = hp.report_json(trace, "--top", "0")
        sums = collections.defaultdict(lambda: dict.fromkeys(FIGURES + ("sites",), 0))
        for site in r["sites"]:
            key = (site["function"], site["module"])
            for k in FIGURES:
                sums[key][k] += site[k]
            sums[key]["sites"] += 1
        functions = r["allocating_functions"]
        assert len(functions) == len(sums), (len(functions), sorted(sums, key=str))
        for f in functions:
            assert {k: f[k] for k in FIGURES + ("sites",)} == sums[(f["function"], f["module"])], f["function"]
            # Its sub-stacks (line, caller) split the same sites.
            assert len(f["substacks"]) == f["substacks_total"]
            for k in FIGURES + ("sites",):
                assert sum(s[k] for s in f["substacks"]) == f[k], (f["function"], k)
        assert sum(f["allocs"] for f in functions) == r["summary"]["allocations"]
        # demo.c allocates through xmalloc from parse_line and remember_slow (checkpoint: every 20 batches).
        xmalloc = next(f for f in functions if f["function"] == "xmalloc")
        callers = {s["caller"]["function"] for s in xmalloc["substacks"]}
        assert {"parse_line", "remember_slow"} <= callers, callers
        keys = [(-f["allocs"], -f["bytes"]) for f in functions]
        assert keys == sorted(keys)

        text = hp.analyze(["report", "--width", "120", trace])
        assert f"Allocating functions ({len(functions)}, sites merged by function" in text
        assert "    at line " in text and " from parse_line (demo.c:" in text
