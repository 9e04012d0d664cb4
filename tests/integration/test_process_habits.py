"""test_process_habits.py: programs that reach into their own process the way real ones do.

pthread_getattr_np first thing (the Rust runtime, the JVM), libraries whose constructors allocate before
the recorder's (C++ static initialisers, LLVM), and programs that close descriptors they did not open
(daemons, close_range, closefrom) or lower RLIMIT_NOFILE, and children that free what they inherited at
fork (shells, make). Counts come from the programs' sources (tests/programs/rec_getattr.c,
librec_early.c, rec_early.c, rec_fds.c, rec_fork_frees.c) and from valgrind's own count of the same
program.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import hp
import hpt_craft
from test_recorder import END__EXIT, MEMORY_EVENTS, Heap, Trace, check_ok_end, child_traces, record, run_plain, run_preloaded

GETATTR_N, GETATTR_SIZE = 1000, 72
EARLY_N, EARLY_SIZE, MAIN_N, MAIN_SIZE = 1000, 777, 10, 555
FDS_FILES = ["after_close_loop", "after_close_range", "after_raw_close_range", "after_dup2_closefrom"]
FDS_FILE_BYTES, FDS_ALLOCS, FDS_BUSY = 740, 20000, 10  # busy() runs 2 per file + 2 = 10 times
FORK_CHILDREN, FORK_BLOCKS, FORK_SIZE = 3, 8, 4242
FORK_RECORD = 0x1D  # include/hpt_format.h


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
        # RLIMIT_NOFILE 4 at exit leaves the scan no descriptor to read the process's maps with: no
        # scan, so nothing is called lost (a scan of nothing called every live block lost).
        assert not tr.of("scan_begin"), tr.of("scan_begin")
        kinds = hp.report_json(d / "t.hpt")["summary"]["leak_kinds"]
        assert kinds["definite"]["bytes"] == kinds["possible"]["bytes"] == 0, kinds


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


@hp.timeout(120)
def test_a_program_with_its_own_malloc_is_said_to_be_unrecorded():
    """rec_own_malloc defines malloc and free (as Chromium does, or a program linking jemalloc in): they
    come before the recorder's in the lookup, so nothing of its heap is seen. The launcher, the report
    and its JSON say so, rather than a clean heap of 0 allocations; a program on libc's malloc has none
    of it."""
    with hp.tmpdir() as d:
        prog = hp.program("rec_own_malloc")
        # What it prints: "block 99" and the sum of the first digit of each block's number.
        expected = "block 99 %d\n" % sum(ord(str(i)[0]) for i in range(100))
        proc, trace = record([prog], d / "own.hpt")
        assert proc.stdout == expected, proc.stdout
        said = [l for l in proc.stderr.splitlines() if "were not recorded" in l]
        assert said == [f"hookprof: the allocations of {d / 'own.hpt'} were not recorded: the program calls a malloc "
                        "of its own, which hookprof's hooks do not reach ('hookprof report' names it)"], proc.stderr
        r = hp.report_json(trace)
        assert r["summary"]["malloc_owner"] == str(prog), r["summary"]
        assert any(f"reach those of {prog}," in w for w in r["warnings"]), r["warnings"]
        heap = ("churn", "temporary", "leaks", "allocator", "peak")
        assert not any(c["applies"] for c in r["score"]["components"] if c["name"] in heap), r["score"]
        text = hp.analyze(["report", trace])
        assert re.search(r"^  allocations +not recorded \(the program's own malloc\)$", text, re.M), text
        # The same machine, libc's malloc: nothing said.
        proc, trace = record([hp.program("rec_alloc_kinds")], d / "plain.hpt")
        assert "were not recorded" not in proc.stderr, proc.stderr
        assert hp.report_json(trace)["summary"]["malloc_owner"] is None


def test_launcher_says_which_traces_are_incomplete():
    # A process killed before its end is recorded leaves a trace without it: the launcher says so
    # instead of "trace written"; a whole trace is still "written".
    with hp.tmpdir() as d:
        proc, traces = hp.record(["sh", "-c", "kill -9 $$"], d / "k.hpt")
        assert proc.returncode == 128 + 9, proc.stderr
        assert "hookprof: incomplete trace at" in proc.stderr and "trace written to" not in proc.stderr, proc.stderr
        assert traces == [d / "k.hpt"], (traces, proc.stderr)
        status = hp.run([hp.ANALYZE, "status", d / "k.hpt"])
        assert status.returncode == 1 and ": incomplete: " in status.stdout, status.stdout
        # One that exits by the system call alone (Go's runtime does): nothing of it runs at its exit,
        # the recorder's handlers included, and the launcher says what that costs.
        proc, traces = hp.record([hp.program("ends_as"), "raw", "3"], d / "r.hpt")
        assert proc.returncode == 3 and traces == [d / "r.hpt"], (proc.returncode, proc.stderr)
        assert re.search(r"hookprof: incomplete trace at \S*r\.hpt \(the process exited, status 3, without "
                         r"running its exit handlers, as a raw exit_group system call does", proc.stderr), proc.stderr
        proc, traces = hp.record([hp.program("rec_getattr")], d / "w.hpt")
        assert "hookprof: trace written to" in proc.stderr and "incomplete" not in proc.stderr, proc.stderr
        status = hp.run([hp.ANALYZE, "status", d / "w.hpt"])
        assert (status.returncode, status.stdout) == (0, f"{d / 'w.hpt'}: complete\n"), status


@hp.timeout(120)
def test_a_program_built_with_asan_runs_and_its_zones_are_recorded():
    # gcc -fsanitize=address links libasan.so, which stops the program unless it is the first library
    # loaded ("ASan runtime does not come first in initial library list"): under hookprof the program
    # did not run at all. The probe names the runtime, the launcher preloads it before hookprof, the
    # program runs as it does alone; its allocations are ASan's malloc's, which is said; its 25 zones
    # are recorded; no leak scan runs for a heap that is not ours.
    with hp.tmpdir() as d:
        prog = hp.program("rec_asan")
        probe = hp.run([hp.ANALYZE, "probe", prog])
        assert re.fullmatch(r"dynamic \(first: libasan\.so\.\d+\)\n", probe.stdout), probe.stdout
        proc, trace = record([prog], d / "a.hpt")
        assert proc.returncode == 0 and proc.stdout == "sum %d\n" % sum(range(25)), (proc.stdout, proc.stderr)
        assert "were not recorded: the program calls a malloc of its own" in proc.stderr, proc.stderr
        r = hp.report_json(trace)
        assert re.search(r"/libasan\.so\.\d+$", r["summary"]["malloc_owner"] or ""), r["summary"]
        assert [(f["name"], f["calls"]) for f in r["functions"]] == [("asan_zone", 25)], r["functions"]
        assert not [e for e in hp.dump(trace) if e.get("type", "").startswith("scan")]


@hp.timeout(240)
def test_a_program_built_with_asan_runs_when_a_recorded_process_starts_it():
    # `hookprof make check` of a project built with -fsanitize=address: make, recorded, starts each test
    # with hookprof in LD_PRELOAD ahead of libasan, and every test stopped at start ("ASan runtime does
    # not come first"). The recorder now reads the program's DT_NEEDED at exec and posix_spawn and puts
    # the runtime first, whichever call starts it (a bare name found in PATH for execvp and
    # posix_spawnp): each run prints what it prints without hookprof, exits 0, and rec_asan's trace
    # holds its 25 zones, its allocations said to go to libasan's malloc.
    with hp.tmpdir() as d:
        prog, asan = hp.program("rec_exec"), hp.program("rec_asan")
        env = {"PATH": f"{asan.parent}:{os.environ['PATH']}"}
        for mode in ["direct", "execve", "execvp", "fexecve", "spawn", "spawnp"]:
            target = asan.name if mode in ("execvp", "spawnp") else asan
            proc, root = record([prog, mode, target], d / f"{mode}.hpt", env=env)
            assert proc.stdout == "sum %d\n" % sum(range(25)) and "ASan runtime" not in proc.stderr, \
                (mode, proc.stderr)
            reports = [hp.report_json(t) for t in [root, *child_traces(root)]]
            mine = [r for r in reports if r["summary"]["program"].endswith("/rec_asan")]
            assert len(mine) == 1, (mode, [r["summary"]["program"] for r in reports])
            assert re.search(r"/libasan\.so\.\d+$", mine[0]["summary"]["malloc_owner"] or ""), mine[0]["summary"]
            assert [(f["name"], f["calls"]) for f in mine[0]["functions"]] == [("asan_zone", 25)], mode


@hp.timeout(180)
def test_a_worker_told_to_stop_as_it_leaves_ends_as_it_would_alone():
    # python's multiprocessing pool: its workers leave by os._exit, and the pool's terminate() sends
    # each SIGTERM. Alone, a worker is gone before the signal comes; recorded, its exit took the
    # recorder's drain and leak scan (milliseconds), the signal ended it there: "signal 15" where
    # the program saw "exit 0", and a trace without its end. rec_told_to_stop's worker keeps 2M
    # blocks (its exit took 95 to 314 ms recorded), the signal comes 50 ms after its last word: it leaves
    # with its own status, by _exit and by exit, and its trace ends so.
    with hp.tmpdir() as d:
        for how in ["_exit", "exit"]:
            proc, traces = hp.record([hp.program("rec_told_to_stop"), how], d / f"{how}.hpt", timeout=150)
            assert (proc.returncode, proc.stdout) == (0, "worker: exit 0\n"), (how, proc.stdout, proc.stderr)
            assert len(traces) == 2 and "incomplete" not in proc.stderr, (how, proc.stderr)
            worker = hp.report_json(traces[1])["summary"]
            assert (worker["ended"], worker["end_how"], worker["end_status"]) == (True, how, 0), (how, worker)


@hp.timeout(120)
def test_a_daemon_still_running_is_not_called_killed():
    # rec_daemon's child calls daemon(): its parent leaves by libc's own _exit, which no hook sees, and
    # its trace still ends there (an _exit, status 0: daemon()'s). The daemon runs on after the program
    # the launcher started: when the launcher lists the traces, the daemon's is unfinished because it
    # still runs, which it says, not "killed"; once the daemon ends, its trace is complete, with its 50
    # allocations of 100 bytes, one not freed.
    with hp.tmpdir() as d:
        pidfile, done = d / "pid", d / "done"
        proc, traces = hp.record([hp.program("rec_daemon"), pidfile, done], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        pid = int(pidfile.read_text())
        daemon = d / f"t.hpt.{pid}"
        assert daemon in traces, (traces, proc.stderr)
        line = next(l for l in proc.stderr.splitlines() if f"t.hpt.{pid} " in l)
        assert line == f"hookprof: incomplete child trace at {daemon} (the process still runs, pid {pid}: its trace " \
                       "is complete when it ends)", proc.stderr
        parent = next(t for t in traces if t not in (d / "t.hpt", daemon))
        assert f"hookprof: child trace written to {parent}\n" in proc.stderr, proc.stderr
        end = Trace(parent).end
        assert end and (end["how"], end["status"]) == (END__EXIT, 0), end
        done.touch()
        for _ in range(500):  # ended: gone, or a zombie its new parent has not reaped
            try:
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                    break
            except OSError:
                break
            time.sleep(0.02)
        status = hp.run([hp.ANALYZE, "status", daemon])
        assert (status.returncode, status.stdout) == (0, f"{daemon}: complete\n"), status
        sites = [s for s in hp.report_json(daemon, "--top", "0")["sites"] if s["function"] == "main" and s["bytes"] % 100 == 0
                 and s["min_size"] == s["max_size"] == 100]
        assert [(s["allocs"], s["frees"], s["live_blocks"]) for s in sites] == [(50, 49, 1)], sites


@hp.timeout(120)
def test_a_program_that_restricts_its_system_calls_goes_on_unrecorded():
    # rec_seccomp makes 10 allocations of 111 bytes, then installs a filter that kills it for any system
    # call it does not make itself (by prctl, as OpenSSH does; by the seccomp call through syscall(), as
    # libseccomp does). The recorder's next futex or write would have been one (exit 159, SIGSYS): it
    # stops before, the trace holds what came before, and the program runs on as without it.
    with hp.tmpdir() as d:
        for how in ("prctl", "syscall"):
            proc, trace = record([hp.program("rec_seccomp"), how], d / f"{how}.hpt")
            assert proc.returncode == 0 and proc.stdout.startswith("sum "), (how, proc.returncode, proc.stderr)
            assert f"incomplete trace at {trace} (recording stopped when the program restricted its system calls " \
                   "with seccomp" in proc.stderr, proc.stderr
            status = hp.run([hp.ANALYZE, "status", trace])
            assert status.returncode == 1 and "recording stopped when the program restricted" in status.stdout, status
            r = hp.report_json(trace, "--top", "0")
            assert any("recording stopped" in w and "seccomp" in w for w in r["warnings"]), r["warnings"]
            kept = [s for s in r["sites"] if s["function"] == "main" and s["min_size"] == s["max_size"] == 111]
            assert [(s["allocs"], s["frees"]) for s in kept] == [(10, 0)], kept
            assert not any(32 <= s["min_size"] and s["max_size"] <= 95 and s["function"] == "main" for s in r["sites"])
        # A filter at an address the kernel refuses installs nothing: read as the kernel reads it, not
        # dereferenced (a fault in the hook), and recording goes on.
        proc, trace = record([hp.program("rec_seccomp"), "badptr"], d / "bad.hpt")
        assert proc.returncode == 0 and "incomplete" not in proc.stderr, proc.stderr
        # A filter that only denies (socket, here; man-db's, ptrace and the network) lets every call of the
        # recorder's through: recording goes on to the end, the loop's 100,000 allocations included.
        proc, trace = record([hp.program("rec_seccomp"), "denylist"], d / "deny.hpt")
        assert proc.returncode == 0 and "incomplete" not in proc.stderr, proc.stderr
        r = hp.report_json(trace, "--top", "0")
        loop = [s for s in r["sites"] if s["function"] == "main" and 32 <= s["min_size"] and s["max_size"] <= 95]
        assert sum(s["allocs"] for s in loop) == 100000 and sum(s["frees"] for s in loop) == 100000, loop
        assert r["summary"]["ended"], r["summary"]


def valgrind_still_reachable(argv):
    """{pid: (bytes, blocks)} still reachable at each process's exit, as valgrind reports it (it
    follows a forked child, the same program, on its own)."""
    assert shutil.which("valgrind"), "valgrind is not installed (scripts/install-test-deps installs it)"
    proc = subprocess.run(["valgrind", "--leak-check=full", "--show-leak-kinds=all", "--run-libc-freeres=no",
                           *map(str, argv)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    found = {pid: kinds["reachable"] for pid, kinds in hp.memcheck_summaries(proc.stderr).items()}
    assert found, proc.stderr
    return found


def without_fork_records(trace, out):
    """trace written again with its FORK records made a type no reader knows: a run recorded before the
    record existed (FORK takes no tick, so the streams' clocks are as they were)."""
    head, chunks, tail = hpt_craft.split(trace.read_bytes())
    data = bytearray(head)
    for c in chunks:
        raw, i = bytearray(hpt_craft.payload(c)), 0
        while i < len(raw):
            length, body = hpt_craft.read_u(raw, i + 1)
            if raw[i] == FORK_RECORD:
                raw[i] = 0x7E
            i = body + length
        data += hpt_craft.chunk(bytes(raw), int.from_bytes(c[13:16], "little"))
    out.write_bytes(bytes(data + tail))


def test_forks_while_other_threads_allocate():
    # tests/programs/rec_fork_threads.c: 100 forks while three threads replace blocks as fast as they
    # can. Each child's heap is its parent's at the fork: every block in it is still reachable (held
    # on the threads' stacks, which the child keeps) or suppressed, none lost, none freed unknown. A
    # block another thread freed between the FORK record and the fork would be lost in the child.
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("rec_fork_threads")], d / "t.hpt", timeout=120)
        assert proc.returncode == 0 and proc.stdout == "forked\n", proc
        assert len(traces) == 1 + 100, len(traces)
        children = hp.report_json(d / "t.hpt")["children"]
        assert len(children) == 100
        for c in children:
            s, kinds = c["summary"], c["summary"]["leak_kinds"]
            assert (s["allocations"], s["frees"], s["unmatched_frees"]) == (1, 1, 0), s
            lost = {k: kinds[k]["blocks"] for k in ("definite", "indirect", "possible", "unclassified")}
            assert not any(lost.values()), (s["pid"], lost)
            assert kinds["reachable"]["blocks"] + s["suppressed_blocks"] == s["inherited_blocks"], s


def test_forked_children_start_with_their_parents_heap():
    # A forked child's heap is its parent's: shells and make's subshells free blocks their parent
    # allocated, and a child that exits keeps the rest. tests/programs/rec_fork_frees.c: 8 blocks of
    # 4242 bytes, then child i frees i + 1 of them and exits.
    with hp.tmpdir() as d:
        prog = hp.program("rec_fork_frees")
        proc, traces = hp.record([prog], d / "f.hpt")
        assert proc.returncode == 0 and proc.stdout == "children ok\n", proc
        assert len(traces) == 1 + FORK_CHILDREN, traces
        doc = hp.report_json(d / "f.hpt")
        assert doc["summary"]["unmatched_frees"] == 0 and doc["summary"]["inherited_blocks"] == 0, doc["summary"]
        children = sorted(doc["children"], key=lambda c: c["summary"]["pid"])
        valgrind = valgrind_still_reachable([prog])
        kept_by_valgrind = [valgrind[pid] for pid in sorted(valgrind)[1:]]  # the parent's pid is the lowest
        for i, c in enumerate(children):
            s = c["summary"]
            assert (s["allocations"], s["frees"], s["unmatched_frees"]) == (0, i + 1, 0), s
            assert (s["inherited_bytes"], s["inherited_blocks"]) == (FORK_BLOCKS * FORK_SIZE, FORK_BLOCKS), s
            kept = FORK_BLOCKS - (i + 1)
            reachable = s["leak_kinds"]["reachable"]
            assert (reachable["bytes"], reachable["blocks"]) == (kept * FORK_SIZE, kept), s
            assert (reachable["bytes"], reachable["blocks"]) == kept_by_valgrind[i], (i, kept_by_valgrind)
            assert not [w for w in c["warnings"] if "frees of blocks" in w], c["warnings"]
        leaks = hp.analyze(["leaks", d / "f.hpt"])
        parent = doc["summary"]["pid"]
        said = f"forked by pid {parent}, with the {FORK_BLOCKS} blocks ({FORK_BLOCKS * FORK_SIZE} bytes) it had alive then"
        assert leaks.count(said) == FORK_CHILDREN, leaks

        # A child's trace read alone has no parent to take the blocks from: its frees are said to be of
        # blocks it inherited, and left out.
        alone = hp.report_json(traces[1])
        i = [c["summary"]["pid"] for c in children].index(alone["summary"]["pid"])
        assert (alone["summary"]["unmatched_frees"], alone["summary"]["inherited_blocks"]) == (i + 1, 0), alone["summary"]
        said = [w for w in alone["warnings"] if "frees of blocks" in w]
        assert len(said) == 1 and "inherited when it was forked" in said[0], alone["warnings"]

        # A run whose parent wrote no FORK record (an older recorder): the children's frees of what they
        # inherited are said once for the run, in report and in leaks.
        without_fork_records(d / "f.hpt", d / "f.hpt.tmp")
        (d / "f.hpt.tmp").replace(d / "f.hpt")
        total = FORK_CHILDREN * (FORK_CHILDREN + 1) // 2
        for cmd in (["report", "--format", "json"], ["leaks"]):
            out = hp.run([hp.ANALYZE, *cmd, d / "f.hpt"])
            assert out.returncode == 0, out.stderr
            lines = [l for l in out.stderr.splitlines() if "frees" in l]
            assert len(lines) == 1, (cmd, out.stderr)
            assert f"and {FORK_CHILDREN - 1} more forked processes of this run: {total} frees in all" in lines[0], \
                lines


@hp.timeout(300)
def test_a_program_run_by_valgrind_is_left_alone():
    # valgrind's tool is a static program (noted unrecorded at its exec); the program it runs still has
    # the recorder preloaded. Recorded there, memcheck counted libunwind's probes of the stack as the
    # program's errors, and --error-exitcode turned a clean run into exit 9. Now valgrind reports the
    # same errors and exits as it does without hookprof, and no trace is the program's.
    prog = hp.program("leak_patterns")
    argv = ["valgrind", "--leak-check=full", "--error-exitcode=9", prog]
    assert shutil.which("valgrind"), "valgrind is not installed (scripts/install-test-deps installs it)"
    plain = run_plain(argv, timeout=120)
    with hp.tmpdir() as d:
        proc, traces = hp.record(argv, d / "t.hpt", timeout=120)
        summary = [re.search(r"ERROR SUMMARY: (\d+) errors", p.stderr) for p in (plain, proc)]
        assert all(summary), (plain.stderr, proc.stderr)
        assert (proc.returncode, summary[1].group(1)) == (plain.returncode, summary[0].group(1)), proc.stderr
        assert re.search(r"unrecorded '[^']*memcheck-amd64-linux'", "".join(
            hp.run([hp.ANALYZE, "dump", t]).stdout for t in traces)), traces
        assert not [t for t in traces if f" exe '{prog}'" in hp.run([hp.ANALYZE, "dump", t]).stdout], traces


def test_a_child_of_the_raw_fork_call_leaves_its_parents_trace_alone():
    # rec_raw_fork forks by the system call, past the recorder's fork handlers: the child has the
    # recorder's state in its memory but no writer, and its exit wrote chunks into its parent's trace
    # (the analyzer left them out as duplicated). Now the child runs unrecorded and the parent's
    # trace is its own: whole, ended by its exit, its one block of 100 bytes freed.
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_raw_fork")], d / "t.hpt")
        assert proc.stdout == "child done\nparent done 0\n", proc
        report = hp.run([hp.ANALYZE, "report", "--format", "json", path])
        assert report.returncode == 0 and "duplicated" not in report.stderr, report.stderr
        tr = Trace(path)
        check_ok_end(tr)
        heap = Heap()
        for r in tr.of(*MEMORY_EVENTS):
            heap.apply(r)
        kept = [r["addr"] for r in tr.of("alloc") if r["size"] == 100]
        assert len(kept) == 1 and kept[0] not in heap.live, (kept, heap.live)


def test_ldd_lists_the_programs_libraries_as_alone():
    # ldd execs the loader with LD_TRACE_LOADED_OBJECTS=1, and the loader lists every preloaded library
    # (and theirs: libunwind, libzstd) beside the program's: build scripts that read ldd's output saw
    # hookprof's. The exec hook takes this library out of LD_PRELOAD for such an exec, and keeps the
    # rest of the list (a user's own preload is listed as alone). Addresses differ from run to run.
    assert shutil.which("ldd"), "ldd is not installed (libc-bin)"
    prog = hp.program("rec_target")
    zlib = next(p for p in ("/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1")
                if os.path.exists(p))
    # The user's preload is given by env, not to the launcher (an ASan-built launcher wants its
    # runtime first in LD_PRELOAD).
    for argv in (["ldd", prog], ["env", f"LD_PRELOAD={zlib}", "ldd", prog]):
        plain = run_plain(argv)
        with hp.tmpdir() as d:
            proc, traces = hp.record(argv, d / "t.hpt")
        strip = lambda out: re.sub(r" \(0x[0-9a-f]+\)", "", out)
        assert (proc.returncode, strip(proc.stdout)) == (plain.returncode, strip(plain.stdout)), (proc, plain)
        assert "libhookprof" not in proc.stdout and traces, proc
