"""test_report_sections.py: the report's sections across formats: the allocating functions (sites
merged by function) add up to the sites section; `--format csv --output DIR` writes one rectangular
table per section whose rows are the JSON report's; real JSON reports validate against
docs/report.schema.json."""
import collections
import json
import csv
import io
import re
from pathlib import Path

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


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


@hp.timeout(180)
def test_csv_output_dir_one_table_per_file():
    with hp.tmpdir() as d:
        traces = hp.record_spawned_run(d)
        trace = traces[0]
        out = d / "tables"
        proc = hp.run([hp.ANALYZE, "report", "--format", "csv", "--output", out, "--top", "0", trace])
        assert proc.returncode == 0 and proc.stdout == "", proc.stderr
        assert f"hookprof: CSV tables written to {out}/" in proc.stderr
        r = hp.report_json(trace, "--top", "0")
        processes = [r] + r["children"]
        files = {p.stem: read_csv(p) for p in out.iterdir()}
        assert set(files) == {"summary", "score", "recommendations", "functions", "counters", "marks", "sites",
                              "allocating_functions", "sizes", "timeline", "leaks", "warnings"}, sorted(files)
        for name, rows in files.items():
            # One rectangular table: a header, then rows of its width, all of this section.
            head, body = rows[0], rows[1:]
            assert head[:2] == ["section", "pid"], (name, head)
            assert all(len(row) == len(head) for row in body), name
            assert all(row[0] == name for row in body), name
        # The rows are the JSON report's, process by process.
        pids = [p["summary"]["pid"] for p in processes]
        for name, key in (("sites", "sites"), ("leaks", "leaks"), ("functions", "functions"),
                          ("allocating_functions", "allocating_functions"), ("warnings", "warnings")):
            head, body = files[name][0], files[name][1:]
            want = [(p["summary"]["pid"], item) for p in processes for item in p[key]]
            assert len(body) == len(want), (name, len(body), len(want))
            assert [int(row[1]) for row in body] == [pid for pid, _ in want], name
            for row, (_, item) in zip(body, want):
                cells = dict(zip(head, row))
                if name == "warnings":
                    assert cells["message"] == item
                    continue
                for col in ("allocs", "bytes", "stack_id", "blocks", "calls", "total_ns", "leaked_bytes"):
                    if col in cells and col in item:
                        assert int(cells[col]) == item[col], (name, col, cells, item)
        sites = files["sites"][1:]
        assert sorted({int(row[1]) for row in sites}) == sorted(p for p in pids if any(
            q["summary"]["pid"] == p and q["sites"] for q in processes))
        # Numbers never in exponent notation.
        for rows in files.values():
            for row in rows[1:]:
                for cell in row:
                    assert not re.fullmatch(r"-?[0-9.]+[eE][-+]?[0-9]+", cell), cell

        # --section still prints one table to stdout; --output wants csv and one trace.
        one = list(csv.reader(io.StringIO(hp.analyze(["report", "--format", "csv", "--section", "sites",
                                                      "--top", "0", trace]))))
        assert one == files["sites"]
        bad = hp.run([hp.ANALYZE, "report", "--output", out, trace])
        assert bad.returncode == 2 and "--output applies to --format csv only" in bad.stderr
        bad = hp.run([hp.ANALYZE, "report", "--format", "csv", "--output", out, trace, traces[1]])
        assert bad.returncode == 2 and "--output writes the tables of one trace" in bad.stderr


SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


@hp.timeout(240)
def test_json_reports_match_the_schema():
    try:
        import jsonschema
    except ImportError:
        raise hp.Skip("python3-jsonschema is not installed (scripts/install-test-deps)")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with hp.tmpdir() as d:
        demo = demo_trace(d)
        spawned = hp.record_spawned_run(d)
        proc, cxx = hp.record([hp.program("real_cxx_plugins")], output=d / "cxx.hpt")
        assert proc.returncode == 0, proc.stderr
        reports = [hp.report_json(demo, "--top", "0", "--threads"), hp.report_json(spawned[0]),
                   hp.report_json(cxx[0], "--top", "0"),
                   json.loads(hp.analyze(["report", "--format", "json", demo, cxx[0]]))]
        for r in reports:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(r)]
            assert not errors, errors[:10]
        assert reports[0]["format_version"] == 1 and reports[1]["children"]
        # The schema is not empty words: a report with a field of the wrong type or a missing one fails.
        bad = json.loads(json.dumps(reports[0]))
        bad["sites"][0]["bytes"] = "many"
        assert not validator.is_valid(bad)
        del bad["summary"]["allocations"]
        bad["sites"][0]["bytes"] = 1
        assert not validator.is_valid(bad)


def place_of(site):
    """The place a site's location shows: its user frame, and the first caller below it in another
    function (report.c's caller_frame), by address."""
    stack = site["stack"][site["user_frame"]:]
    caller = next((f for f in stack[1:] if f["function"] and f["function"] != stack[0]["function"]), None)
    return stack[0]["ip"], caller["function"] if caller else None


@hp.timeout(120)
def test_site_tables_show_each_place_once():
    # rec_stack_paths reaches leaf() from recurse at 1 to 7 levels of recursion, from twin_a and twin_b,
    # with_alloca and a signal handler, in two threads: 2 x 2 x 200 calls through recurse, 2 x 300
    # through twin_a, 2 x 100 through twin_b, 2 x 200 through with_alloca, 3 in the handler.
    expected = {"recurse": 800, "twin_a": 600, "twin_b": 200, "with_alloca": 400, "on_signal": 3}
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("rec_stack_paths"), "200"], output=d / "paths.hpt")
        assert proc.returncode == 0, proc.stderr
        r = hp.report_json(traces[0], "--top", "0")
        paths = collections.defaultdict(list)
        for site in r["sites"]:
            if site["function"] == "leaf":
                paths[place_of(site)].append(site)
        assert {caller: sum(s["allocs"] for s in v) for (_, caller), v in paths.items()} == expected, paths
        assert len(paths[next(k for k in paths if k[1] == "recurse")]) > 1, "recursion gives several call paths"

        text = hp.analyze(["report", "--width", "120", "--top", "0", traces[0]])
        by_count = text.split("Allocation sites by count")[1].split("\n\n")[0]
        rows = re.findall(r"^  leaf \(rec_stack_paths\.c:\d+\) from (\w+)(?: \(\S+\))? +(\d+) ", by_count, re.M)
        assert sorted(rows) == sorted((caller, str(n)) for caller, n in expected.items()), by_count
        # By bytes, a place of several call paths says how many; its callers are its largest path's.
        by_bytes = text.split("Allocation sites by bytes")[1].split("\n\n")[0]
        for (_, caller), v in paths.items():
            row = re.search(rf"^  leaf \(rec_stack_paths\.c:\d+\) from {caller} .*\n((?:    .*\n)*)", by_bytes + "\n", re.M)
            assert row, (caller, by_bytes)
            said = re.search(r"over (\d+) call paths", row.group(1))
            assert (int(said.group(1)) if said else 1) == len(v), (caller, row.group(0))
