"""test_report_processes.py: the text and Markdown reports of a run with children open with a table of
every process (pid, command, how it ended, allocations, ...) whose figures are each child's own
report's, the processes that matter first; sections for the main process and the heaviest children
only (text)."""
import re

import hp


def process_table(text):
    """The rows of the "Processes" table as dicts keyed by its header (columns: 2+ blanks apart)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Processes ("))
    head = re.split(r" {2,}", lines[start + 1].strip())
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows.append(dict(zip(head, re.split(r" {2,}", line.strip()))))
    return rows


def reports_by_trace(trace):
    """The JSON reports of the run's processes, the root's first."""
    r = hp.report_json(trace)
    return [r] + r["children"]


def ended(summary):
    if summary["end_how"] == "exec":
        return "exec"
    return f"{summary['end_how']} {summary['end_status']}"


def check_rows_against_json(rows, reports):
    by_key = {(r["summary"]["pid"], r["summary"]["allocations"]): r for r in reports}
    assert len(rows) == len(reports), (rows, [r["trace"] for r in reports])
    for row in rows:
        r = by_key[(int(row["pid"]), int(row["allocs"]))]
        assert row["ended"] == ended(r["summary"]), (row, r["summary"])
        assert int(row["score"]) == r["score"]["value"]
    # The processes that matter first: allocations x (100 - score), then the most allocations.
    keys = [(-int(row["allocs"]) * (100 - int(row["score"])), -int(row["allocs"])) for row in rows]
    assert keys == sorted(keys), keys


def md_process_table(text):
    """The rows of the Markdown report's "## Processes" table as dicts keyed by its header, with the
    cells unescaped."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## Processes ("))
    assert lines[start + 1] == "", lines[start:start + 3]
    cells = lambda line: [re.sub(r"\\(.)", r"\1", c.strip()) for c in line.strip().strip("|").split(" | ")]
    head = cells(lines[start + 2])
    assert re.fullmatch(r"\|( -{3,}:? \|)+", lines[start + 3]), lines[start + 3]
    rows = []
    for line in lines[start + 4:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(head, cells(line))))
    return rows


def fmt_bytes(n):
    """report.c's hp_fmt_bytes: "512 B", "5.8 KiB", ..."""
    if n < 1024:
        return f"{n} B"
    v, units = float(n), ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    u = -1
    while v >= 1024 and u < 5:
        v /= 1024
        u += 1
    return f"{v:.1f} {units[u]}"


@hp.timeout(120)
def test_markdown_opens_with_the_same_table():
    with hp.tmpdir() as d:
        target = hp.program("rec_target")
        traces = hp.record_spawned_run(d)
        reports = reports_by_trace(traces[0])
        md = hp.analyze(["report", "--format", "md", traces[0]])
        # The table comes first, before the main process's section.
        assert md.index("## Processes (6, those that matter first") < md.index("## Process ")
        rows = md_process_table(md)
        check_rows_against_json(rows, reports)
        by_pid = {r["summary"]["pid"]: r for r in reports}
        for row in rows:
            s = by_pid[int(row["pid"])]["summary"]
            assert int(row["parent"]) == s["ppid"], (row, s)
            assert row["peak"] == fmt_bytes(s["peak_heap_bytes"]), (row, s["peak_heap_bytes"])
            assert row["not freed"] == fmt_bytes(s["leaked_bytes"]), (row, s["leaked_bytes"])
        assert {row["command"] for row in rows if row["command"].startswith("rec_target ")} == \
               {f"rec_target {size} 13 0" for size in (8101, 8102, 8103)}, rows
        # The same rows in the same order as the text report's table: one table, one order.
        text_rows = process_table(hp.analyze(["report", "--width", "200", traces[0]]))
        assert rows == text_rows, (rows, text_rows)
        # Every process still has its section in Markdown.
        assert md.count("\n## Child process ") == 5
        # A run of one process has no table.
        proc, traces = hp.record([target, "64", "10", "0"], output=d / "one.hpt")
        assert "## Processes" not in hp.analyze(["report", "--format", "md", traces[0]])


@hp.timeout(120)
def test_spawned_children_in_one_table():
    with hp.tmpdir() as d:
        target = hp.program("rec_target")
        traces = hp.record_spawned_run(d)
        reports = reports_by_trace(traces[0])
        assert len(reports) == 6, [r["trace"] for r in reports]  # rec_spawn, 2 shells, 3 rec_target
        text = hp.analyze(["report", "--width", "200", traces[0]])
        rows = process_table(text)
        check_rows_against_json(rows, reports)
        # rec_target SIZE 13 0 three times (system, popen, posix_spawn): 13 mallocs of SIZE at least, exit 0.
        targets = {row["command"]: row for row in rows if row["command"].startswith("rec_target ")}
        assert set(targets) == {f"rec_target {size} 13 0" for size in (8101, 8102, 8103)}, targets
        for row in targets.values():
            assert row["ended"] == "exit 0" and int(row["allocs"]) >= 13, row
        root = reports[0]["summary"]
        assert any(row["pid"] == str(root["pid"]) and row["command"] == f"rec_spawn {target}" for row in rows)

        # The main process and 3 children get sections by default, all 5 with --children all.
        assert text.count("==== child process ") == 3, text
        assert "2 more are in the table only: --children all" in " ".join(text.split())
        every = hp.analyze(["report", "--width", "200", "--children", "all", traces[0]])
        assert every.count("==== child process ") == 5
        assert hp.analyze(["report", "--children", "0", traces[0]]).count("==== child process ") == 0
        # The children shown are the first of the table.
        shown = [int(m) for m in re.findall(r"==== child process (\d+) ", text)]
        order = [int(row["pid"]) for row in rows if int(row["pid"]) != root["pid"]]
        assert sorted(shown) == sorted(order[:3]), (shown, order)


@hp.timeout(120)
def test_a_process_that_only_execs_is_one_row():
    with hp.tmpdir() as d:
        # The child mallocs 40 blocks (rec_exec's PRE_N), then execs rec_target: 5000 mallocs, exit 7.
        proc, traces = hp.record([hp.program("rec_exec"), "fork", hp.program("rec_target"), "64", "5000", "7"],
                                 output=d / "e.hpt")
        assert proc.returncode == 7, proc.stderr
        reports = reports_by_trace(traces[0])
        rows = process_table(hp.analyze(["report", "--width", "200", traces[0]]))
        check_rows_against_json(rows, reports)
        by_end = {row["ended"]: row for row in rows}
        assert set(by_end) == {"exit 7", "exec"}, rows  # rec_exec and rec_target both exit 7
        execd = by_end["exec"]
        assert int(execd["allocs"]) >= 40
        target = next(row for row in rows if row["command"] == "rec_target 64 5000 7")
        assert target["pid"] == execd["pid"] and int(target["allocs"]) >= 5000, rows
        text = hp.analyze(["report", traces[0]])
        # The exec'd image is a row and no section; the program it became has its section.
        assert text.count("==== child process ") == 1
        assert "1 ended by exec with 1% of the run's allocations or less" in " ".join(text.split())
