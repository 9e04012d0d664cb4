"""test_torture.py: the recorder under stress and at the edges of a process's life.

Thread churn at full speed, a signal handler that allocates, SIGKILL and SIGSEGV, an output that cannot
be created, deep recursion, longjmp out of zones, allocations outside main, and children started by
system(), popen() and posix_spawn(). Counts come from the programs' sources (tests/programs/rec_*).
"""
import collections
import os
import re
import resource
import subprocess
from pathlib import Path

import hp
from test_recorder import (END_EXIT, END_SIGNAL, FREE, MALLOC, MEMORY_EVENTS, Heap, Trace,
                           check_ok_end, check_referenced_definitions, check_streams_in_tick_order,
                           child_traces, inside, load_base, record, run_plain, run_preloaded, shape,
                           symbols)


# ---- threads created and exiting while others allocate at full speed -----------------------------

CHURN_WORKERS, CHURN_N = 16, 20000
CHURN_SHORT_THREADS, CHURN_SHORT_N, CHURN_SHORT_SIZE = 300, 20, 1999


@hp.timeout(240)
def test_thread_churn_nothing_lost():
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_churn")], d / "t.hpt", timeout=200)
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)  # includes: no LOST record
        check_streams_in_tick_order(tr)
        check_referenced_definitions(tr)
        worker_sizes = {2000 + 16 * i for i in range(CHURN_WORKERS)}
        by_stream = collections.defaultdict(list)
        for r in tr.of(*MEMORY_EVENTS):
            by_stream[r["stream"]].append(r)
        workers, shorts = {}, 0
        for stream, events in by_stream.items():
            sizes = collections.Counter(r["size"] for r in events if r["type"] == "alloc")
            mine = [s for s in sizes if s in worker_sizes or s == CHURN_SHORT_SIZE]
            if not mine:
                continue  # the main thread and the spawner: pthread_create's own allocations
            assert len(mine) == 1, f"stream {stream} allocated several threads' sizes: {dict(sizes)}"
            size = mine[0]
            want_n = CHURN_SHORT_N if size == CHURN_SHORT_SIZE else CHURN_N
            got = collections.Counter(shape(r) for r in events)
            assert got == {("alloc", MALLOC, size): want_n, ("free", FREE): want_n}, \
                f"stream {stream} (size {size}): {dict(got)}"
            heap = Heap(f"stream {stream}")
            for r in events:
                heap.apply(r)
            assert not heap.live
            if size == CHURN_SHORT_SIZE:
                shorts += 1
            else:
                assert size not in workers, f"size {size} on streams {workers[size]} and {stream}"
                workers[size] = stream
        assert set(workers) == worker_sizes, f"worker streams found for {sorted(workers)}"
        assert shorts == CHURN_SHORT_THREADS, f"{shorts} short-lived thread streams, expected {CHURN_SHORT_THREADS}"
        # every thread that exited closed its stream
        ended = {r["stream"] for r in tr.of("thread_end")}
        for stream in list(workers.values()):
            assert stream in ended, f"worker stream {stream} has no thread_end"
        # every stream with events began with its thread's start: main's, the workers', the short
        # threads', and the spawner's when it allocated (pthread_create reuses an ended thread's
        # stack and its DTV without a malloc, so under load it may never have)
        starts = {r["stream"] for r in tr.of("thread_start")}
        assert set(by_stream) <= starts, sorted(set(by_stream) - starts)
        assert len(starts) >= 1 + CHURN_WORKERS + CHURN_SHORT_THREADS, len(starts)


# ---- a signal handler that allocates -------------------------------------------------------------

SIG_LOOP, SIG_MAIN_SIZE, SIG_HANDLER_SIZE, SIG_WARMUP = 300000, 48, 560, 2


def check_signal_handler_allocations(args):
    """rec_sigalloc ARGS under the recorder: the trace reads back whole, every main-loop call is
    recorded, and each handler call is recorded or counted lost."""
    with hp.tmpdir() as d:
        prog = hp.program("rec_sigalloc")
        proc, path = record([prog, *args], d / "t.hpt", timeout=150)  # a deadlock would end in a timeout
        assert proc.returncode == 0 and proc.stdout == "done\n", (proc.stdout, proc.stderr)
        m = re.search(r"^handler (\d+)$", proc.stderr, re.M)
        assert m, proc.stderr
        runs = int(m.group(1))
        assert runs > 0, "the timer never fired"
        tr = Trace(path)
        assert tr.end and tr.end["how"] == END_EXIT and tr.end["status"] == 0, tr.end
        check_streams_in_tick_order(tr)
        check_referenced_definitions(tr)
        [stream] = {r["stream"] for r in tr.of(*MEMORY_EVENTS) if r.get("size") == SIG_MAIN_SIZE}
        events = tr.stream(stream, *MEMORY_EVENTS)
        # The main loop's own calls are never lost: the handler interrupts them, not the reverse.
        heap = Heap("rec_sigalloc", strict=False)
        handler_events = main_allocs = 0
        lost = tr.lost()
        for r in events:
            if lost and r["type"] == "alloc" and r["size"] == SIG_HANDLER_SIZE and r["addr"] in heap.live:
                del heap.live[r["addr"]]  # its free was one of the calls counted lost
            size = heap.apply(r)
            if r["type"] == "alloc" and r["size"] == SIG_MAIN_SIZE:
                main_allocs += 1
            elif r["type"] == "alloc" and r["size"] == SIG_HANDLER_SIZE:
                handler_events += 1
            elif r["type"] == "free" and size == SIG_HANDLER_SIZE:
                handler_events += 1
        assert main_allocs == SIG_LOOP + SIG_WARMUP, f"{main_allocs} main-loop mallocs recorded"
        handler_events -= 2 * SIG_WARMUP  # the warm-up's malloc and free of the handler's size
        # Each handler run makes two calls (malloc, free): each is recorded or counted in a LOST record.
        assert handler_events + lost == 2 * runs, \
            f"handler ran {runs} times = {2 * runs} calls; recorded {handler_events}, counted lost {lost}: " \
            f"{2 * runs - handler_events - lost} calls neither recorded nor counted"


@hp.timeout(180)
def test_signal_handler_allocations_recorded_or_counted_lost():
    check_signal_handler_allocations([])


@hp.timeout(240)
def test_signal_handler_allocating_while_new_stacks_are_written():
    # Every 50 us, while the main loop keeps meeting stacks it never met (each an unwind and a STACK
    # record): a handler event published in the middle of a STACK record made 3 of 3 traces unreadable.
    for _ in range(3):
        check_signal_handler_allocations(["new-stacks"])


# ---- SIGKILL mid-run -----------------------------------------------------------------------------

KILL_BEFORE, KILL_AFTER, KILL_SIZE = 20000, 5000, 4321


def test_sigkill_trace_reads_back():
    with hp.tmpdir() as d:
        prog = hp.program("rec_killed")
        out = d / "t.hpt"
        proc = run_preloaded([prog], out)
        plain = run_plain([prog])
        assert proc.returncode == plain.returncode == -9, (proc.returncode, plain.returncode, proc.stderr)
        assert proc.stdout == plain.stdout == ""
        tr = Trace(out)  # decodes: hp.dump fails on a non-zero exit, Trace on a status with an error
        # The trace is either cut inside a chunk (status truncated, saying where) or ends at a whole chunk.
        if tr.status["truncated"]:
            assert 0 < tr.status["cut_offset"] <= out.stat().st_size, tr.status
        assert tr.end is None, f"a killed process cannot have written process_end: {tr.end}"
        n = sum(1 for r in tr.of("alloc") if r["size"] == KILL_SIZE)
        # The program slept 400 ms after its first KILL_BEFORE allocations: the recorder writes at
        # least every 100 ms, so all of them are in the file; of the rest, any number.
        assert KILL_BEFORE <= n <= KILL_BEFORE + KILL_AFTER, f"{n} allocations of {KILL_SIZE} read back"
        check_referenced_definitions(tr)


# ---- SIGSEGV -------------------------------------------------------------------------------------

SEGV_N, SEGV_SIZE = 100, 2468


def raw_status(argv, env, cwd):
    """Runs argv with core dumps allowed and returns (raw wait status, stdout)."""
    def allow_core():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    full = dict(os.environ)
    for k, v in env.items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = str(v)
    p = subprocess.Popen([str(a) for a in argv], env=full, cwd=cwd, stdout=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, preexec_fn=allow_core)
    out = p.stdout.read()
    p.stdout.close()
    _, status = os.waitpid(p.pid, 0)
    p.returncode = 0  # reaped here
    return status, out.decode()


def test_sigsegv_same_death_and_trace_ends_with_signal():
    with hp.tmpdir() as d:
        prog = hp.program("rec_segv")
        (d / "plain").mkdir()
        (d / "rec").mkdir()
        ps, pout = raw_status([prog], {"LD_PRELOAD": None, "HOOKPROF_OUTPUT": None}, d / "plain")
        rs, rout = raw_status([prog], {"LD_PRELOAD": hp.LIB, "HOOKPROF_OUTPUT": d / "t.hpt"}, d / "rec")
        assert os.WIFSIGNALED(ps) and os.WTERMSIG(ps) == 11, f"plain run: status {ps:#x}"
        assert os.WIFSIGNALED(rs) and os.WTERMSIG(rs) == 11, f"recorded run: status {rs:#x}"
        assert os.WCOREDUMP(rs) == os.WCOREDUMP(ps), f"core dumped: recorded {os.WCOREDUMP(rs)}, plain {os.WCOREDUMP(ps)}"
        assert sorted(p.name for p in (d / "rec").iterdir()) == sorted(p.name for p in (d / "plain").iterdir()), \
            "the recorded run left other files (core) than the plain one"
        assert rout == pout == "before\n"
        # and as a shell sees it
        sh = hp.run(["sh", "-c", f"ulimit -c 0; '{prog}'; echo $?"], env={"LD_PRELOAD": hp.LIB, "HOOKPROF_OUTPUT": d / "t2.hpt"})
        assert sh.stdout.splitlines()[-1] == "139", sh.stdout
        tr = Trace(d / "t.hpt")
        assert tr.end and (tr.end["how"], tr.end["status"]) == (END_SIGNAL, 11), tr.end
        assert sum(1 for r in tr.of("alloc") if r["size"] == SEGV_SIZE) == SEGV_N
        check_referenced_definitions(tr)


# ---- output that cannot be created ---------------------------------------------------------------

def test_unwritable_output_runs_unrecorded_with_one_warning():
    for name, args in (("rec_alloc_kinds", []), ("rec_fork", []), ("rec_threads", [])):
        prog = hp.program(name)
        with hp.tmpdir() as d:
            out = d / "missing-dir" / "t.hpt"
            proc = run_preloaded([prog, *args], out)
            plain = run_plain([prog, *args])
            assert (proc.stdout, proc.returncode) == (plain.stdout, plain.returncode), \
                f"{name}: recorded {proc.returncode} {proc.stdout!r}, plain {plain.returncode} {plain.stdout!r}"
            lines = proc.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("hookprof: ") and str(out) in lines[0], \
                f"{name}: stderr {proc.stderr!r}"
            assert not (d / "missing-dir").exists()


# ---- deep recursion ------------------------------------------------------------------------------

DEEP_FRAMES, DEEP_SIZE = 10000, 88


@hp.timeout(180)
def test_deep_recursion_stacks_truncated_at_depth():
    prog = hp.program("rec_deep")
    syms = symbols(prog)
    for depth in (None, 256):
        with hp.tmpdir() as d:
            env = {"HOOKPROF_DEPTH": str(depth)} if depth else None
            proc, path = record([prog], d / "t.hpt", env=env, timeout=150)
            assert proc.returncode == 0, proc.stderr
            tr = Trace(path)
            check_ok_end(tr)
            check_referenced_definitions(tr)
            allocs = [r for r in tr.of("alloc") if r["size"] == DEEP_SIZE]
            assert len(allocs) == DEEP_FRAMES, len(allocs)
            heap = Heap("rec_deep", strict=False)
            freed = sum(heap.apply(r) == DEEP_SIZE and r["type"] == "free" for r in tr.of(*MEMORY_EVENTS))
            assert freed == DEEP_FRAMES
            base = load_base(tr, prog)
            want = depth or 32  # HOOKPROF_DEPTH's default
            deepest = tr.stacks[allocs[-1]["stack"]]["ips"]
            assert len(deepest) == want, f"depth {depth}: deepest stack has {len(deepest)} frames"
            assert all(inside(ip - base, syms["descend"]) for ip in deepest), \
                f"depth {depth}: frames outside descend(): {[hex(ip - base) for ip in deepest]}"


# ---- longjmp out of zones ------------------------------------------------------------------------

LONGJMP_ROUNDS = 100


def test_longjmp_out_of_zones():
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_longjmp")], d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == f"jumps {LONGJMP_ROUNDS}\n", proc
        tr = Trace(path)
        check_ok_end(tr)
        check_referenced_definitions(tr)
        name = {sid: s["name"] for sid, s in tr.sites.items()}
        got = [(r["type"], name.get(r["site"], r["site"])) for r in tr.of("zone_begin", "zone_end")]
        # The cleanups of jumper's zones never run: only "outer" is ended, by round_()'s return.
        one = [("zone_begin", "outer"), ("zone_begin", "jumper"), ("zone_begin", "inner"), ("zone_end", "outer")]
        assert got == one * LONGJMP_ROUNDS, f"{got[:8]} ... ({len(got)} zone events)"


# ---- allocations outside main --------------------------------------------------------------------

LIFE = {"ctor": 1111, "static_ctor": 1112, "main": 1113, "tls_main": 1114, "tls_thread": 1115,
        "atexit": 1116, "static_dtor": 1117, "dtor": 1118}


def test_allocations_before_and_after_main():
    """The recorder starts at the process's first allocation (at the latest in its constructor, before
    the program's constructors), and stops in an on_exit handler registered then. glibc's exit() runs the main thread's thread_local
    destructors first, then the handlers in reverse order of registration: the program's atexit
    handler and its static destructors (registered later) before the recorder's, and _dl_fini, which
    runs the program's destructor functions, was registered by __libc_start_main after the preloaded
    library's constructor ran. So every one of these allocations is recorded, in this order at exit:
    thread_local destructor, atexit handler, static object's destructor, destructor function."""
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_lifecycle")], d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == "main done\n", proc
        tr = Trace(path)
        check_ok_end(tr)
        by_size = {v: k for k, v in LIFE.items()}
        seen = [(by_size[r["size"]], r["stream"]) for r in tr.of("alloc") if r["size"] in by_size]
        names = [n for n, _ in seen]
        assert sorted(names) == sorted(LIFE), f"recorded: {names}"
        streams = dict(seen)
        assert len({streams[n] for n in LIFE if n != "tls_thread"}) == 1, seen
        assert streams["tls_thread"] != streams["main"], seen
        main_order = [n for n in names if n != "tls_thread"]
        assert set(main_order[:2]) == {"ctor", "static_ctor"} and main_order[2] == "main", main_order
        assert main_order[3:] == ["tls_main", "atexit", "static_dtor", "dtor"], main_order
        heap = Heap("rec_lifecycle", strict=False)
        freed = []
        for r in tr.of(*MEMORY_EVENTS):
            size = heap.apply(r)
            if r["type"] == "free" and size in by_size:
                freed.append(size)
        assert sorted(freed) == sorted(LIFE.values()), f"freed: {freed}"


# ---- system(), popen(), posix_spawn() ------------------------------------------------------------

SPAWN_N = 13
SPAWN_SIZES = {"system": 8101, "popen": 8102, "posix_spawn": 8103}


def test_system_popen_posix_spawn_children_traced():
    with hp.tmpdir() as d:
        prog, target = hp.program("rec_spawn"), hp.program("rec_target")
        proc, path = record([prog, target], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == ("target 8101 13\nsystem: 0\npopen read: target 8102 13\npopen: 0\n"
                               "target 8103 13\nposix_spawn: 0\n"), proc.stdout
        root = Trace(path)
        check_ok_end(root)
        targets = {}
        for p in child_traces(path):
            tr = Trace(p)
            assert tr.end is not None, f"{p}: no process_end ({tr.process['exe']})"
            check_referenced_definitions(tr)
            if Path(tr.process["exe"]).name == "rec_target":
                size = int(tr.process["argv"][1])
                assert size not in targets, f"two traces of rec_target {size}"
                targets[size] = tr
        assert sorted(targets) == sorted(SPAWN_SIZES.values()), f"rec_target traced for {sorted(targets)}"
        for how, size in SPAWN_SIZES.items():
            tr = targets[size]
            check_ok_end(tr)
            n = sum(1 for r in tr.of("alloc") if r["size"] == size)
            assert n == SPAWN_N, f"{how}: {n} allocations of {size}"
        assert targets[SPAWN_SIZES["posix_spawn"]].process["ppid"] == root.process["pid"]
