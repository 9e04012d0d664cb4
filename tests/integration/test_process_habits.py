"""test_process_habits.py: programs that reach into their own process the way real ones do.

pthread_getattr_np first thing (the Rust runtime, the JVM), libraries whose constructors allocate before
the recorder's (C++ static initialisers, LLVM), and programs that close descriptors they did not open
(daemons, close_range, closefrom) or lower RLIMIT_NOFILE. Counts come from the programs' sources
(tests/programs/rec_getattr.c, librec_early.c, rec_early.c, rec_fds.c) and from valgrind's own count of
the same program.
"""
import collections
import re
import shutil
import subprocess

import hp
from test_recorder import MEMORY_EVENTS, Heap, Trace, check_ok_end, record, run_plain, run_preloaded

GETATTR_N, GETATTR_SIZE = 1000, 72
EARLY_N, EARLY_SIZE, MAIN_N, MAIN_SIZE = 1000, 777, 10, 555
FDS_FILES = ["after_close_loop", "after_close_range", "after_raw_close_range", "after_dup2_closefrom"]
FDS_FILE_BYTES, FDS_ALLOCS, FDS_BUSY = 740, 20000, 10  # busy() runs 2 per file + 2 = 10 times


def valgrind_allocs(argv):
    """(allocs, frees) from valgrind's "total heap usage" line for argv."""
    assert shutil.which("valgrind"), "valgrind is not installed (scripts/install-test-deps installs it)"
    proc = subprocess.run(["valgrind", *map(str, argv)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    m = re.search(r"total heap usage: ([\d,]+) allocs, ([\d,]+) frees", proc.stderr)
    assert m, proc.stderr
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def test_pthread_getattr_np_at_start_does_not_hang():
    # Before: the first event asked pthread_getattr_np for the thread's stack while the program was
    # inside it (glibc holds the thread's lock there and allocates): the process waited on itself.
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_getattr")], d / "t.hpt", timeout=30)
        assert proc.stdout == f"main stack ok\nthread stack ok\nallocated {GETATTR_N}\n", proc.stdout
        tr = Trace(path)
        check_ok_end(tr)
        sizes = collections.Counter(r["size"] for r in tr.of("alloc"))
        assert sizes[GETATTR_SIZE] == GETATTR_N, sizes


def test_allocations_before_the_recorders_constructor_are_recorded():
    # librec_early's constructor runs before ours: its 1000 allocations and 500 frees used to vanish,
    # and main's frees of its blocks were frees of blocks the trace never saw.
    with hp.tmpdir() as d:
        prog = hp.program("rec_early")
        proc, path = record([prog], d / "t.hpt")
        tr = Trace(path)
        check_ok_end(tr)
        heap = Heap("rec_early")  # strict: a free of an address never allocated fails
        for r in tr.of(*MEMORY_EVENTS):
            heap.apply(r)
        sizes = collections.Counter(r["size"] for r in tr.of("alloc"))
        assert sizes[EARLY_SIZE] == EARLY_N and sizes[MAIN_SIZE] == MAIN_N, sizes
        # The first allocation of the process is the library's, not anything after our constructor.
        first = tr.of("alloc")[0]
        assert first["size"] == EARLY_SIZE, f"the trace starts at {first}, not at the library's first block"
        report = hp.report_json(path)
        summary = report["summary"]
        assert summary["unmatched_frees"] == 0, summary
        # valgrind sees the whole process from its first instruction: the same count of allocations.
        allocs, frees = valgrind_allocs([prog])
        assert summary["allocations"] == allocs, f"hookprof {summary['allocations']}, valgrind {allocs}"


def fds_plain_and_recorded(d, extra=()):
    prog = hp.program("rec_fds")
    (d / "plain").mkdir()
    (d / "rec").mkdir()
    plain = run_plain([prog, d / "plain", *extra])
    rec = run_preloaded([prog, d / "rec", *extra], d / "t.hpt")
    assert plain.returncode == 0, plain.stderr
    assert (rec.returncode, rec.stdout) == (plain.returncode, plain.stdout), (rec.stdout, rec.stderr)
    for name in FDS_FILES:
        # Before: the recorder's chunks went into the program's files (740 bytes became 119 KB).
        want, got = (d / "plain" / name).read_bytes(), (d / "rec" / name).read_bytes()
        assert len(want) == FDS_FILE_BYTES and got == want, f"{name}: {len(got)} bytes, expected {len(want)}"
    assert "devnull 3" in rec.stdout  # RLIMIT_NOFILE 4 leaves the program its fourth descriptor
    return rec


def test_closing_descriptors_it_did_not_open_leaves_the_program_its_files():
    with hp.tmpdir() as d:
        rec = fds_plain_and_recorded(d)
        assert rec.stderr == "", rec.stderr
        tr = Trace(d / "t.hpt")
        check_ok_end(tr)  # the trace was reopened by path after the raw close_range
        sizes = [r["size"] for r in tr.of("alloc")]
        assert sum(1 for s in sizes if 32 <= s < 96) >= FDS_ALLOCS * FDS_BUSY, len(sizes)


def test_a_trace_that_cannot_be_written_stops_recording_with_one_warning():
    with hp.tmpdir() as d:
        rec = fds_plain_and_recorded(d, ["lose"])
        lines = rec.stderr.splitlines()
        assert len(lines) == 1 and "cannot write the trace" in lines[0] and "recording stopped" in lines[0], \
            rec.stderr
        # What was written before reads back, and says it is incomplete: no process_end.
        tr = Trace(d / "t.hpt.moved")
        assert tr.end is None, tr.end
        assert tr.of("alloc"), "nothing recorded before the trace was lost"
