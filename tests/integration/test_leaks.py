"""test_leaks.py: leak classification equals what the program is known to leak, and valgrind's summary.

tests/programs/leak_patterns.c builds every kind memcheck tells apart; its header comment holds the
numbers repeated below. valgrind, when installed, must report the same four totals (the thread DTV
that our built-in "loader" suppression hides is suppressed for valgrind too, by fun:_dl_allocate_tls).
"""
import re
import shutil

import hp

# (bytes, blocks) at exit, main process
EXPECTED = {
    "definite": (635, 8),
    "indirect": (272, 9),
    "possible": (64, 1),
    "reachable": (577, 3),
}
# The forked child: its parent's blocks (the same kinds) and its own 123 bytes, definitely lost.
CHILD_EXPECTED = dict(EXPECTED, definite=(635 + 123, 8 + 1))

VALGRIND_SUPPRESSIONS = """{
   thread-dtv
   Memcheck:Leak
   ...
   fun:_dl_allocate_tls
   ...
}
"""


def kinds(summary):
    return {k: (v["bytes"], v["blocks"]) for k, v in summary["leak_kinds"].items() if k in EXPECTED}


def test_leak_kinds_are_exact():
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("leak_patterns"), "fork"], output=d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
        report = hp.report_json(d / "t.hpt")
        summary = report["summary"]
        assert summary["leaks_classified"] is True
        assert kinds(summary) == EXPECTED, kinds(summary)
        # leaked = not reachable and not suppressed
        lost = [EXPECTED[k] for k in ("definite", "indirect", "possible")]
        assert (summary["leaked_bytes"], summary["leaked_blocks"]) == (sum(b for b, _ in lost), sum(n for _, n in lost))
        # Every lost block has a symbolized stack naming the function that made it.
        functions = {f["function"] for leak in report["leaks"] if leak["kind"] == "definite" for f in leak["stack"]}
        assert {"direct_leaks", "tree_node", "leaker"} <= functions, functions
        # The forked child: its parent's heap at the fork and its own leak.
        children = report["children"]
        assert len(children) == 1
        assert kinds(children[0]["summary"]) == CHILD_EXPECTED, kinds(children[0]["summary"])


def test_leaks_command_reads_like_memcheck():
    with hp.tmpdir() as d:
        hp.record([hp.program("leak_patterns")], output=d / "t.hpt")
        out = hp.analyze(["leaks", d / "t.hpt"])
        assert "500 bytes in 5 blocks are definitely lost" in out, out
        assert re.search(r"at 0x[0-9A-F]+: direct_leaks \(leak_patterns\.c:\d+\)", out), out
        assert "LEAK SUMMARY" in out


def valgrind_kinds(d, argv, options=()):
    """{pid: kinds} from valgrind's leak summary of each process argv makes (it follows a forked
    child of the same program on its own)."""
    if not shutil.which("valgrind"):
        raise hp.Skip("valgrind is not installed")
    supp = d / "dtv.supp"
    supp.write_text(VALGRIND_SUPPRESSIONS)
    proc = hp.run(["valgrind", "--leak-check=full", "--show-leak-kinds=all", f"--suppressions={supp}", *options,
                   *argv], timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = hp.memcheck_summaries(proc.stderr)
    assert found, proc.stderr[-2000:]
    return found


def recorded_and_valgrinds(d, prog, stdout, timeout=60):
    """prog run alone under hookprof (its exit status 0 and its stdout checked) and under valgrind:
    (hookprof's report, hookprof's kinds, valgrind's kinds of its one process)."""
    proc, _ = hp.record([prog], output=d / "t.hpt", timeout=timeout)
    assert (proc.returncode, proc.stdout) == (0, stdout), proc
    report = hp.report_json(d / "t.hpt")
    [theirs] = list(valgrind_kinds(d, [prog]).values())
    return report, kinds(report["summary"]), theirs


def test_leak_kinds_equal_valgrind():
    with hp.tmpdir() as d:
        _, ours, theirs = recorded_and_valgrinds(d, hp.program("leak_patterns"), "done\n")
        assert ours == theirs, f"hookprof {ours} != valgrind {theirs}"
        assert ours == EXPECTED


def test_libc_state_freed_by_freeres_is_suppressed_as_valgrind_frees_it():
    # leak_libc_state: setenv's copies of the environment, textdomain's and bindtextdomain's domain,
    # the result buffers of getpwuid, getgrgid, getpwnam and ttyname, the resolver's configuration,
    # iconv's list of conversion modules, stdout's buffer, all freed by the __libc_freeres valgrind
    # runs at exit, and one real leak of 321 bytes. The built-in suppressions take out what freeres
    # frees: the kinds are memcheck's.
    with hp.tmpdir() as d:
        report, ours, theirs = recorded_and_valgrinds(d, hp.program("leak_libc_state"), "1 two\n")
        assert ours == theirs, f"hookprof {ours} != valgrind {theirs}"
        assert ours["definite"] == (321, 1) and ours["reachable"] == (0, 0), ours
        assert report["summary"]["suppressed_bytes"] > 0, report["summary"]


def test_a_program_environ_copy_is_reachable_where_memchecks_freeres_loses_it():
    # leak_environ_copy points environ at a copy of its own (OpenSSH's setproctitle does): a 48-byte
    # array and 5 strings of 13 bytes, reachable from environ at exit. valgrind's __libc_freeres calls
    # clearenv(), which sets environ to NULL before memcheck's check: there the same blocks are
    # definitely and indirectly lost. A difference by construction (README, "Agreement with
    # memcheck"); the bytes are the same blocks on both sides.
    with hp.tmpdir() as d:
        _, ours, theirs = recorded_and_valgrinds(d, hp.program("leak_environ_copy"), "copied\n")
        assert theirs["definite"] == (48, 1) and theirs["indirect"] == (65, 5), theirs
        assert ours["reachable"] == (48 + 65, 1 + 5), ours
        assert ours["definite"] == ours["indirect"] == (0, 0), ours


def test_a_library_constructors_leaks_are_its_own_not_the_loaders():
    # libleak_ctor's constructor, which the loader runs before main, keeps 101 bytes and leaks 202. The
    # built-in "loader" rule matched any frame of the loader (_dl_init runs constructors) and hid both;
    # it now takes only what the loader allocates itself, and the kinds are memcheck's.
    with hp.tmpdir() as d:
        _, ours, theirs = recorded_and_valgrinds(d, hp.program("leak_ctor"), "kept\n")
        assert ours == theirs, f"hookprof {ours} != valgrind {theirs}"
        assert ours["definite"] == (202, 1) and ours["reachable"] == (101, 1), ours


def test_a_program_whose_main_thread_leaves_first():
    # rec_main_leaves: main leaves by pthread_exit, its worker later; glibc ends the process with exit(0)
    # when its last thread ends, by its count of threads. The recorder's writer was in that count:
    # the process ran on forever with the writer alone. And with the main thread gone, /proc/self/maps
    # reads empty: the leak scan at exit found no memory to read, and waited half a second for the
    # ended main thread to stop. Now it ends as alone, and its kinds are memcheck's: both kept blocks
    # were held by the stacks of ended threads, definitely lost.
    with hp.tmpdir() as d:
        report, ours, theirs = recorded_and_valgrinds(d, hp.program("rec_main_leaves"), "worker done\n", timeout=30)
        assert ours == theirs, f"hookprof {ours} != valgrind {theirs}"
        assert ours["definite"] == (444 + 555, 2), ours
        [scan] = report["scans"]
        assert [t["how"] for t in scan["threads"]] == ["exiting"], scan["threads"]  # the worker, ending it
        # The samples read the process's RSS through the writer's own /proc entry: the main thread's,
        # /proc/self, read zeros once it had left (its memory map let go), for every later sample.
        samples = [e for e in hp.dump(d / "t.hpt") if e["type"] == "sample"]
        assert len(samples) >= 2 and all(s["rss"] > 0 for s in samples), [s["rss"] for s in samples]


def test_forked_child_leak_kinds_equal_valgrind():
    # The child starts with its parent's heap: memcheck counts the parent's blocks in the child's
    # summary too, by the same rules (the parent's blocked thread's stack is read there as memory).
    with hp.tmpdir() as d:
        argv = [hp.program("leak_patterns"), "fork"]
        hp.record(argv, output=d / "t.hpt")
        report = hp.report_json(d / "t.hpt")
        assert kinds(report["summary"]) == EXPECTED, kinds(report["summary"])
        ours = kinds(report["children"][0]["summary"])
        # Without libc's freeres at exit, which valgrind runs and the program does not: it unmaps glibc's
        # cache of thread stacks, where the child keeps the stacks of the threads it came without. (The
        # parent is compared in the test above: freeres also frees stdout's buffer, which our builtin
        # "stdio" suppression leaves out.)
        found = valgrind_kinds(d, argv, ["--run-libc-freeres=no"])
        theirs = found[max(found)]  # the child's pid is the higher
        assert ours == theirs, f"hookprof {ours} != valgrind {theirs}"
        assert ours == CHILD_EXPECTED


def test_list_dropped_when_main_returns():
    """Dead frames of main stay on the stack after it returns: they must not hold the list alive."""
    n = 20000
    with hp.tmpdir() as d:
        hp.record([hp.program("bench_live_heap"), str(n)], output=d / "drop.hpt")
        got = kinds(hp.report_json(d / "drop.hpt")["summary"])
        assert got["definite"] == (32, 1) and got["indirect"] == (32 * (n - 1), n - 1), got
        assert got["reachable"] == (0, 0) and got["possible"] == (0, 0), got
        hp.record([hp.program("bench_live_heap"), str(n), "keep"], output=d / "keep.hpt")
        got = kinds(hp.report_json(d / "keep.hpt")["summary"])
        assert got["reachable"] == (32 * n, n) and got["definite"] == (0, 0), got


def test_snapshot_of_a_program_that_recorded_nothing_yet():
    """A process gets the recorder's writer thread with its first event: one that has recorded none
    (snapshot_late waits on stdin first) takes a requested snapshot then, and the launcher says so
    instead of promising it within a round."""
    import subprocess
    import time
    with hp.tmpdir() as d:
        trace = d / "t.hpt"
        proc = subprocess.Popen([str(hp.LAUNCHER), "record", "-q", "-o", str(trace), "--",
                                 str(hp.program("snapshot_late"))], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        pid = int(proc.stdout.readline())
        snap = hp.run([hp.LAUNCHER, "snapshot", str(pid)])
        assert snap.returncode == 0, snap.stderr
        assert "it has recorded no event yet, so it takes the snapshot when it records its first" in snap.stderr, \
            snap.stderr
        proc.stdin.write("x")
        proc.stdin.flush()
        # Its first allocation starts the writer, whose first round takes the snapshot: wait for it in
        # the trace before letting the program exit (an exit scan would supersede it).
        for _ in range(1000):
            if any(r["type"] == "scan_begin" for r in hp.dump(trace)):
                break
            time.sleep(0.01)
        proc.stdin.write("x")
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        report = hp.report_json(trace)
        assert [s["reason"] for s in report["scans"]] == ["signal", "exit"], report["scans"]
        assert kinds(report["summary"])["reachable"] == (100 * 48, 100), kinds(report["summary"])


def test_snapshot_of_a_running_program():
    """`hookprof snapshot PID` classifies the live blocks of a program that has not exited."""
    import subprocess
    import time
    with hp.tmpdir() as d:
        trace = d / "t.hpt"
        proc = subprocess.Popen([str(hp.LAUNCHER), "record", "-q", "-o", str(trace), "--",
                                 str(hp.program("leak_server")), "150"], stdout=subprocess.PIPE, text=True)
        pid = int(proc.stdout.readline())
        time.sleep(0.5)  # let it serve some requests: not a timing assertion, any count works
        snap = hp.run([hp.LAUNCHER, "snapshot", str(pid)])
        assert snap.returncode == 0, snap.stderr
        assert proc.wait(timeout=60) == 0
        scans = [r for r in hp.dump(trace) if r["type"] == "scan_begin"]
        assert [s["reason"] for s in scans] == [1, 0], scans  # the snapshot, then the exit scan
        # At exit: 150 requests leaked 1000 bytes each; the last 10 are still reachable.
        report = hp.report_json(trace)
        got = kinds(report["summary"])
        assert got["definite"] == (140 * 1000, 140) and got["reachable"] == (10 * 1000, 10), got
        assert [s["reason"] for s in report["scans"]] == ["signal", "exit"]
        # The snapshot saw some of the requests' buffers, all of them from one stack.
        snap = report["scans"][0]
        assert 0 < snap["definite"]["blocks"] + snap["reachable"]["blocks"] <= 150
        assert snap["definite"]["bytes"] % 1000 == 0
        # 1000 bytes every 10 ms, never freed: a steadily growing site, and a recommendation saying so.
        growing = [s for s in report["sites"] if s["growing"]]
        assert len(growing) == 1 and growing[0]["function"] == "handle", growing
        assert any(r["title"].startswith("Live memory grows steadily at handle") for r in report["recommendations"])
        bad = hp.run([hp.LAUNCHER, "snapshot", "notapid"])
        assert bad.returncode == 2 and "usage: hookprof snapshot PID" in bad.stderr


def test_suppressions_file_and_builtins():
    with hp.tmpdir() as d:
        hp.record([hp.program("leak_patterns")], output=d / "t.hpt")
        supp = d / "app.supp"
        supp.write_text("# the five direct leaks are known\nleak:direct_leaks\n")
        s = hp.report_json(d / "t.hpt", "--suppressions", supp)["summary"]
        assert kinds(s)["definite"] == (635 - 500, 8 - 5), kinds(s)
        base = hp.report_json(d / "t.hpt")["summary"]
        assert s["suppressed_bytes"] == base["suppressed_bytes"] + 500
        # Without the built-in rules, libc's stdio buffer (printf) is an ordinary reachable block.
        s = hp.report_json(d / "t.hpt", "--no-builtin-suppressions", "all")["summary"]
        assert s["suppressed_bytes"] == 0
        assert kinds(s)["reachable"][1] > EXPECTED["reachable"][1]
        bad = hp.run([hp.ANALYZE, "report", "--no-builtin-suppressions", "stdoi", d / "t.hpt"])
        assert bad.returncode != 0 and "unknown built-in suppression 'stdoi'" in bad.stderr


def test_free_chunks_are_left_out_of_the_scan():
    """tests/programs/scan_freed_heap.c: 4,000 freed blocks hold 500,000 pointers to `keep` and
    `lost`; a scan that reads glibc's free chunks records them all. From the heap, the three words of
    the live `fence` that point to `keep` must be recorded, and at most a few more: chunks glibc took
    for itself (unrecorded: at a thread's end) may hold a stale copy, which the analyzer drops as it
    lies in no block. The classes stay memcheck's. In the main heap, in the heap of the arena glibc
    gives a thread, and in both heaps of an arena grown past its first 64 MiB."""
    for mode in ("main", "thread", "thread-heaps"):
        free_chunks_left_out(mode)


def free_chunks_left_out(mode):
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("scan_freed_heap"), mode], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        m = re.fullmatch(r"keep (0x[0-9a-f]+) lost (0x[0-9a-f]+) fence (0x[0-9a-f]+)\n", proc.stdout)
        keep, lost, fence = (int(x, 16) for x in m.groups())
        heap_words = [(loc, v) for e in hp.dump(d / "t.hpt") if e["type"] == "scan_words" and e["region"] == 4
                      for loc, v in e["words"]]
        to_keep = [loc for loc, v in heap_words if keep <= v < keep + 64]
        to_lost = [loc for loc, v in heap_words if lost <= v < lost + 40]
        assert sorted(loc for loc in to_keep if fence <= loc < fence + 64) == [fence, fence + 8, fence + 16], mode
        assert len(to_keep) + len(to_lost) <= 3 + 8, (mode, len(to_keep), len(to_lost))
        kinds = hp.report_json(d / "t.hpt")["summary"]["leak_kinds"]
        assert (kinds["definite"]["bytes"], kinds["definite"]["blocks"]) == (40, 1), mode
        assert (kinds["reachable"]["bytes"], kinds["reachable"]["blocks"]) == (64 + 64 + 24, 3), mode
