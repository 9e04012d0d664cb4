"""test_scan_threads.py: the exit scan drops no thread and never runs the program's own handler;
processes that end by exec, _exit or a kill get the leak findings a scan supports, no others.

tests/programs/scan_threads.c and leak_shapes.c say what each mode leaves at exit.
"""
import collections
import hp


def kinds(summary):
    return {k: (v["bytes"], v["blocks"]) for k, v in summary["leak_kinds"].items()}


def exit_scan(report):
    scans = [s for s in report["scans"] if s["reason"] == "exit"]
    assert len(scans) == 1, report["scans"]
    return scans[0]


def test_thread_blocking_every_signal_is_read_whole():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("scan_threads"), "blocked"], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        report = hp.report_json(d / "t.hpt")
        assert kinds(report["summary"])["reachable"] == (91, 1), kinds(report["summary"])
        assert kinds(report["summary"])["definite"] == (0, 0)
        threads = exit_scan(report)["threads"]
        assert sorted(t["how"] for t in threads) == ["exiting", "whole_stack"], threads
        blocked = [t for t in threads if t["how"] == "whole_stack"][0]
        assert blocked["not_stopped_because"] == "blocks_signal" and blocked["stack_hi"] > blocked["stack_lo"]
        assert any("blocks the stop signal" in w for w in report["warnings"]), report["warnings"]
        out = hp.analyze(["leaks", d / "t.hpt"])
        words = " ".join(out.split())  # the text fits 100 columns: a line may wrap anywhere between words
        assert "1 not stopped: whole stack read (tid %d blocks the stop signal)" % blocked["tid"] in words, out


def test_stack_of_a_joined_thread_is_not_read():
    """A thread that ended and was joined leaves its mapping to glibc's cache, with its tid set to -1.
    memcheck reads its static TLS and control block, not its stack: the stale pointer on the stack to
    the 37 bytes it allocated is no root, the one in its __thread variable to 41 bytes is. The
    recorder used to skip the whole mapping (the 41 bytes were definitely lost, and a live thread
    pool's DTVs too, which memcheck calls possibly lost). The thread's DTV is the loader's, under the
    built-in suppressions here."""
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("scan_threads"), "joined"], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        summary = hp.report_json(d / "t.hpt")["summary"]
        assert kinds(summary)["definite"] == (37, 1), kinds(summary)
        assert kinds(summary)["possible"] == (0, 0) and kinds(summary)["reachable"] == (41, 1), kinds(summary)


@hp.timeout(120)
def test_more_than_1024_threads():
    n = 1100
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("scan_threads"), "many", str(n)], output=d / "t.hpt", timeout=110)
        assert proc.returncode == 0, proc.stderr
        report = hp.report_json(d / "t.hpt")
        assert kinds(report["summary"])["reachable"] == (16 * n, n), kinds(report["summary"])
        assert kinds(report["summary"])["definite"] == (0, 0)
        threads = exit_scan(report)["threads"]
        assert len(threads) == n + 1 and len({t["tid"] for t in threads}) == n + 1
        # Each is stopped, or read whole when it could not be (a thread still starting has every signal
        # blocked, which a loaded machine can make last past the scan's 5 ms): none is left out.
        hows = collections.Counter(t["how"] for t in threads)
        assert hows["exiting"] == 1 and hows["stopped"] + hows["whole_stack"] == n, hows
        # How many answer within the stop's 500 ms is the machine's load's: most, not all.
        assert hows["stopped"] >= n // 2, hows


def test_program_handler_of_the_stop_signal_never_runs_for_a_scan():
    with hp.tmpdir() as d:
        trace = d / "t.hpt"
        proc, _ = hp.record([hp.program("scan_threads"), "own_handler"], output=trace)
        assert proc.returncode == 0, proc.stderr
        # Raised once by the program itself: its handler ran once, and not for the exit scan.
        assert proc.stderr.count("handler\n") == 1, proc.stderr
        report = hp.report_json(trace)
        threads = exit_scan(report)["threads"]
        assert sorted(t["how"] for t in threads) == ["exiting", "stopped"], threads
        assert kinds(report["summary"])["reachable"] == (91, 1), kinds(report["summary"])


def test_process_ended_by_exec_has_no_leak_findings():
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("leak_shapes"), "exec", "/bin/true"], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        report = hp.report_json(d / "t.hpt", "--no-children")
        s = report["summary"]
        assert s["end_how"] == "exec" and s["leaked_bytes"] == 0 and report["leaks"] == [], s
        assert not [r for r in report["recommendations"] if r["rule"] == "leak"], report["recommendations"]
        leaks = [c for c in report["score"]["components"] if c["name"] == "leaks"][0]
        assert leaks["applies"] is False, leaks
        out = hp.analyze(["leaks", "--no-children", d / "t.hpt"])
        words = " ".join(out.split())
        assert "ended by exec" in words and "bytes in" not in words.split("LEAK SUMMARY")[0], out


def test_shell_children_ending_by_exec_or_exit():
    """Every child of `sh -c`: forked shells that exec, a subshell that exits; none is called leaky
    for what it simply had allocated."""
    with hp.tmpdir() as d:
        script = f"{hp.program('leak_shapes')} _exit; (true); /bin/true"
        proc, traces = hp.record(["sh", "-c", script], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        report = hp.report_json(d / "t.hpt")
        processes = [report] + report["children"]
        assert len(processes) >= 3, [p["summary"]["program"] for p in processes]
        for p in processes:
            s = p["summary"]
            assert s["leak_kinds"]["unclassified"]["blocks"] == 0 or not s["leaks_classified"], s
            if s["end_how"] == "exec":
                assert s["leaked_bytes"] == 0 and p["leaks"] == [], s
            for r in p["recommendations"]:
                assert r["rule"] != "leak" or r["title"].startswith(("Memory leak", "Memory possibly")), r
        # The program that ended by _exit was scanned there: its own two definite leaks.
        shapes = [p for p in processes if p["summary"]["program"].endswith("leak_shapes")]
        assert [kinds(p["summary"])["definite"] for p in shapes] == [(120, 2)], shapes


def test_killed_process_without_scan_has_no_findings():
    """A server killed by SIGKILL: what it had allocated is not known to be lost (no scan ran)."""
    import os
    import signal
    import subprocess
    import time
    with hp.tmpdir() as d:
        trace = d / "t.hpt"
        proc = subprocess.Popen([str(hp.LAUNCHER), "record", "-q", "-o", str(trace), "--",
                                 str(hp.program("leak_server")), "100000"], stdout=subprocess.PIPE, text=True)
        pid = int(proc.stdout.readline())
        # Its first request is served before it prints; the recorder writes at least every 100 ms.
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=60)
        report = hp.report_json(trace)
        s = report["summary"]
        assert s["leaks_classified"] is False and s["leaked_bytes"] == 0, s
        assert s["leak_kinds"]["unclassified"]["blocks"] >= 1, s
        assert not [r for r in report["recommendations"] if r["rule"] == "leak"], report["recommendations"]
        assert any("no reachability scan was made" in w for w in report["warnings"]), report["warnings"]
