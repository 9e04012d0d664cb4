"""test_recorder.py: the trace says exactly what the program did, event by event.

Each test records one of tests/programs/rec_* (whose loop counts and sizes are written in its source and
repeated here as constants), decodes the trace with `hookprof-analyze dump --json` and compares the
events with what the program is known to have done. The program's stdout and exit status must be the
same with and without the recorder.

The helpers at the top are shared with test_torture.py.
"""
import collections
import os
import re
import subprocess
from pathlib import Path

import hp

SIZE_MAX = 2**64 - 1
SOURCES = hp.ROOT / "tests" / "programs"

# Allocation kinds and free kinds (docs/trace-format.md).
MALLOC, CALLOC, REALLOC, REALLOCARRAY, POSIX_MEMALIGN, ALIGNED_ALLOC, MEMALIGN, VALLOC, PVALLOC = range(9)
FREE = 0
END_EXIT, END_SIGNAL, END_EXEC, END__EXIT = range(4)
PROCESS_FORKED, PROCESS_EXECED = 1, 2
SITE_ZONE, SITE_COUNTER, SITE_MARK = range(3)

MEMORY_EVENTS = ("alloc", "free", "realloc", "alloc_fail")


# ---- reading traces ------------------------------------------------------------------------------

class Trace:
    """The decoded records of one trace file (`hp.dump`), with its definitions indexed.

    Every record is a dict with at least "type" (the lower-case record name of docs/trace-format.md).
    Events of target threads carry "stream" and "tick"; the fields keep the names of the format spec."""

    def __init__(self, path):
        self.path = Path(path)
        self.records = hp.dump(self.path)
        assert self.records, f"{path}: dump printed nothing"
        self.stacks = {r["id"]: r for r in self.of("stack")}
        self.sites = {r["id"]: r for r in self.of("site")}
        processes = self.of("process")
        assert len(processes) == 1, f"{path}: {len(processes)} process records"
        self.process = processes[0]
        ends = self.of("process_end")
        self.end = ends[-1] if ends else None  # after a failed exec a later one supersedes it
        statuses = self.of("status")
        assert len(statuses) == 1, f"{path}: {len(statuses)} status records"
        self.status = statuses[0]
        assert self.status["error"] is None, f"{path}: {self.status}"
        self.threads = {r["stream"]: r for r in self.of("thread")}

    def of(self, *types):
        return [r for r in self.records if r["type"] in types]

    def stream(self, stream, *types):
        """The records of one stream, in tick order, optionally only of some types."""
        return [r for r in self.records
                if r.get("stream") == stream and "tick" in r and (not types or r["type"] in types)]

    def streams(self):
        """stream -> tid, from THREAD_START."""
        return {r["stream"]: r["tid"] for r in self.of("thread_start")}

    def lost(self):
        return sum(r["count"] for r in self.of("lost"))

    def modules(self, suffix):
        return [r for r in self.of("module_load") if r["path"].endswith(suffix)]


def check_referenced_definitions(tr):
    """Every stack and site an event references is defined in the same file."""
    for r in tr.records:
        stack = r.get("stack", 0)
        assert stack == 0 or stack in tr.stacks, f"{tr.path}: stack {stack} referenced, not defined: {r}"
        if r["type"] in ("zone_begin", "counter", "mark") or (r["type"] == "zone_end" and r["site"]):
            assert r["site"] in tr.sites, f"{tr.path}: site {r['site']} referenced, not defined: {r}"


def check_streams_in_tick_order(tr):
    """Within one stream of a target thread, the events come in tick order."""
    last = {}
    for r in tr.records:
        if r.get("stream") and "tick" in r:
            s = r["stream"]
            assert r["tick"] >= last.get(s, 0), f"{tr.path}: stream {s} goes back in time at {r}"
            last[s] = r["tick"]


class Heap:
    """Replays memory events: every free and realloc must release a block that is live."""

    def __init__(self, name="trace", strict=True):
        self.name = name
        self.strict = strict  # False: a free of a block allocated before the trace began is tolerated
        self.live = {}  # address -> size
        self.unknown = 0

    def apply(self, r):
        t = r["type"]
        if t == "alloc":
            assert r["addr"] not in self.live, f"{self.name}: {r['addr']:#x} allocated twice: {r}"
            self.live[r["addr"]] = r["size"]
        elif t == "free":
            if not self.strict and r["addr"] not in self.live:
                self.unknown += 1
                return None
            assert r["addr"] in self.live, f"{self.name}: free of {r['addr']:#x}, not live: {r}"
            return self.live.pop(r["addr"])
        elif t == "realloc" and not r["flags"] & 1:
            if r["old"] and (self.strict or r["old"] in self.live):
                assert r["old"] in self.live, f"{self.name}: realloc of {r['old']:#x}, not live: {r}"
                del self.live[r["old"]]
            if r["new"]:
                assert r["new"] not in self.live, f"{self.name}: realloc returned live {r['new']:#x}: {r}"
                self.live[r["new"]] = r["size"]
        elif t == "realloc":
            assert not self.strict or not r["old"] or r["old"] in self.live, f"{self.name}: failed realloc of a dead block: {r}"
        return None


def slice_between_markers(events, begin_size, end_size):
    """The memory events strictly after the marker malloc(begin_size) + its free and before the marker
    malloc(end_size) (rec_alloc_kinds, rec_cxx)."""
    mem = [r for r in events if r["type"] in MEMORY_EVENTS]
    starts = [i for i, r in enumerate(mem) if r["type"] == "alloc" and r["size"] == begin_size]
    ends = [i for i, r in enumerate(mem) if r["type"] == "alloc" and r["size"] == end_size]
    assert len(starts) == 1 and len(ends) == 1, f"markers: {len(starts)} begin, {len(ends)} end"
    i, j = starts[0], ends[0]
    assert mem[i + 1]["type"] == "free" and mem[i + 1]["addr"] == mem[i]["addr"], mem[i:i + 2]
    return mem[i + 2:j]


def shape(r):
    """What a memory event is, without its addresses: compared with the program's calls."""
    t = r["type"]
    if t == "alloc":
        return ("alloc", r["kind"], r["size"])
    if t == "alloc_fail":
        return ("alloc_fail", r["kind"], r["size"])
    if t == "free":
        return ("free", r["kind"])
    return ("realloc", r["kind"], r["size"], "failed" if r["flags"] & 1 else "ok",
            "old" if r["old"] else "null", "new" if r["new"] else "null")


def diff_sequences(got, want, what):
    """Asserts got == want with the first difference in the message."""
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{what}: event {i} is {g}, expected {w}\n  got around it: {got[max(0, i - 3):i + 4]}"
    assert len(got) == len(want), f"{what}: {len(got)} events, expected {len(want)}; extra: " \
        f"{(got[len(want):] if len(got) > len(want) else want[len(got):])[:8]}"


# ---- running programs ----------------------------------------------------------------------------

def run_plain(argv, timeout=60, cwd=None, env=None):
    """The program alone, with env: no recorder in its environment."""
    return hp.run(argv, env={**(env or {}), "LD_PRELOAD": None, "HOOKPROF_OUTPUT": None}, timeout=timeout, cwd=cwd)


def run_preloaded(argv, output, env=None, timeout=60, cwd=None):
    """The program with libhookprof.so preloaded directly (no launcher), recording to `output`."""
    full = {"LD_PRELOAD": hp.LIB, "HOOKPROF_OUTPUT": output}
    full.update(env or {})
    return hp.run(argv, env=full, timeout=timeout, cwd=cwd)


def record(argv, output, env=None, timeout=60, compare=True, cwd=None, plain_argv=None):
    """Records argv through the launcher; checks that the trace exists and, with `compare`, that stdout
    and exit status match a run without the recorder (of plain_argv, default argv). Returns (proc, root
    trace path)."""
    proc, traces = hp.record(argv, output, extra_env=env, timeout=timeout, cwd=cwd)
    assert Path(output).exists(), f"no trace at {output}\nstderr:\n{proc.stderr}"
    if compare:
        plain = run_plain(plain_argv or argv, timeout=timeout, cwd=cwd, env=env)
        assert proc.stdout == plain.stdout, f"stdout differs\nrecorded:\n{proc.stdout}\nplain:\n{plain.stdout}"
        assert proc.returncode == plain.returncode, \
            f"exit status {proc.returncode} recorded, {plain.returncode} plain\n{proc.stderr}"
    return proc, Path(output)


def child_traces(root):
    """The traces written next to `root` by other processes: PATH.<pid> and PATH.<pid>.<n>."""
    root = Path(root)
    pattern = re.compile(re.escape(root.name) + r"\.\d+(\.\d+)?$")
    return sorted(p for p in root.parent.iterdir() if pattern.fullmatch(p.name))


def symbols(binary):
    """name -> (start, size) of the defined functions of an ELF file, from `nm -S`."""
    out = subprocess.run(["nm", "-S", "--defined-only", str(binary)], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            table[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return table


def load_base(tr, binary):
    """Where the trace says `binary` was mapped (MODULE_LOAD base; 0 for a non-PIE executable)."""
    mods = tr.modules("/" + Path(binary).name)
    assert mods, f"no module_load for {binary}: {[m['path'] for m in tr.of('module_load')]}"
    return mods[0]["base"]


def source_line(name, fragment):
    """The line number of the single line of tests/programs/<name> that contains `fragment`."""
    lines = [i + 1 for i, l in enumerate((SOURCES / name).read_text().splitlines()) if fragment in l]
    assert len(lines) == 1, f"{fragment!r} on lines {lines} of {name}"
    return lines[0]


def check_ok_end(tr, status=0):
    """The process exited with `status`, the trace is whole, and nothing was lost."""
    assert not tr.status["truncated"], f"{tr.path}: truncated: {tr.status}"
    assert tr.end is not None, f"{tr.path}: no process_end"
    assert (tr.end["how"], tr.end["status"]) == (END_EXIT, status), f"{tr.path}: ended {tr.end}"
    assert tr.lost() == 0, f"{tr.path}: {tr.lost()} events lost"


# ---- 1. every allocation function, single thread -------------------------------------------------

ALLOC_KINDS_LOOPS = 10
MARK_BEGIN, MARK_END = 7770001, 7770002


def alloc_kinds_expected():
    """The memory events rec_alloc_kinds.c makes between its markers, in order."""
    want = []
    for i in range(ALLOC_KINDS_LOOPS):
        want += [
            ("alloc", MALLOC, 100 + i),
            ("alloc", CALLOC, 7 * 13),
            ("realloc", REALLOC, 1000 + i, "ok", "old", "new"),     # grow
            ("realloc", REALLOC, 10, "ok", "old", "new"),           # shrink
            ("realloc", REALLOC, 200, "ok", "null", "new"),         # realloc(NULL, 200)
            ("realloc", REALLOC, 0, "ok", "old", "null"),           # realloc(p, 0) frees p
            ("realloc", REALLOCARRAY, 5 * 24, "ok", "null", "new"),
            ("realloc", REALLOCARRAY, 10 * 24, "ok", "old", "new"),
            ("alloc", POSIX_MEMALIGN, 300),
            ("alloc", ALIGNED_ALLOC, 256),
            ("alloc", MEMALIGN, 50),
            ("alloc", VALLOC, 70),
            ("alloc", PVALLOC, 80),
        ] + [("free", FREE)] * 8                                    # free(NULL) is not recorded
    want += [
        ("alloc", MALLOC, 64),                                      # keep
        ("alloc_fail", MALLOC, SIZE_MAX),
        # calloc(SIZE_MAX/2+1, 2) overflows: the recorder stores SIZE_MAX for a size it cannot represent
        ("alloc_fail", CALLOC, SIZE_MAX),
        ("realloc", REALLOC, SIZE_MAX, "failed", "old", "null"),
        ("realloc", REALLOCARRAY, SIZE_MAX, "failed", "old", "null"),
        ("alloc_fail", POSIX_MEMALIGN, 16),                         # alignment 3: EINVAL
        ("alloc_fail", POSIX_MEMALIGN, SIZE_MAX),
        ("alloc_fail", ALIGNED_ALLOC, SIZE_MAX),
        ("alloc_fail", MEMALIGN, SIZE_MAX),
        ("alloc_fail", VALLOC, SIZE_MAX),
        ("alloc_fail", PVALLOC, SIZE_MAX),
        ("free", FREE),                                             # keep
    ]
    return want


def test_alloc_kinds_exact():
    with hp.tmpdir() as d:
        prog = hp.program("rec_alloc_kinds")
        proc, path = record([prog], d / "t.hpt")
        # errno and return values, printed by the program, are those of the plain run (compared above)
        assert proc.returncode == 0, proc.stderr
        assert "posix_memalign(3,16) ok=22 errno=777" in proc.stdout, proc.stdout
        tr = Trace(path)
        check_ok_end(tr)
        main = tr.streams()
        assert list(main.values()).count(tr.process["pid"]) == 1, main
        stream = next(s for s, tid in main.items() if tid == tr.process["pid"])
        events = slice_between_markers(tr.stream(stream), MARK_BEGIN, MARK_END)
        diff_sequences([shape(r) for r in events], alloc_kinds_expected(), "rec_alloc_kinds")

        # Every free and realloc releases a block allocated before it; nothing is left between markers.
        heap = Heap("rec_alloc_kinds")
        for r in events:
            heap.apply(r)
        assert not heap.live, f"blocks left live: {heap.live}"
        # The frees of each loop release, in order, p (after its reallocs), q, s, a, b, c, d, e.
        per_loop = 13 + 8
        for i in range(ALLOC_KINDS_LOOPS):
            loop = events[i * per_loop:(i + 1) * per_loop]
            owners = [loop[3]["new"], loop[1]["addr"], loop[7]["new"]] + [loop[k]["addr"] for k in range(8, 13)]
            assert [r["addr"] for r in loop[13:]] == owners, f"loop {i}: frees do not match the blocks"
            assert loop[2]["old"] == loop[0]["addr"] and loop[3]["old"] == loop[2]["new"], f"loop {i}"
            assert loop[5]["old"] == loop[4]["new"] and loop[7]["old"] == loop[6]["new"], f"loop {i}"
        check_referenced_definitions(tr)


# ---- 2. eight threads ----------------------------------------------------------------------------

THREADS = 8


def test_threads_exact_per_thread():
    with hp.tmpdir() as d:
        prog = hp.program("rec_threads")
        proc, path = record([prog, d / "tids"], d / "t.hpt", plain_argv=[prog, d / "plain-tids"])
        assert proc.returncode == 0, proc.stderr
        size_of_tid = {int(t): int(s) for s, t in (l.split() for l in (d / "tids").read_text().splitlines())}
        assert len(size_of_tid) == THREADS
        tr = Trace(path)
        check_ok_end(tr)
        check_streams_in_tick_order(tr)
        check_referenced_definitions(tr)
        streams = tr.streams()
        assert len(set(streams.values())) == len(streams), f"a tid on two streams: {streams}"
        worker_streams = {s: tid for s, tid in streams.items() if tid in size_of_tid}
        assert sorted(worker_streams.values()) == sorted(size_of_tid), \
            f"thread_start tids {sorted(streams.values())}, the threads were {sorted(size_of_tid)}"
        for stream, tid in worker_streams.items():
            size = size_of_tid[tid]
            i = size - 3000
            n = 2000 + 100 * i
            events = tr.stream(stream)
            mem = [r for r in events if r["type"] in MEMORY_EVENTS]
            # calloc of the array of kept pointers, n mallocs of this thread's size, n + 1 frees
            got = collections.Counter(shape(r) for r in mem)
            want = collections.Counter({("alloc", CALLOC, n * 8): 1, ("alloc", MALLOC, size): n, ("free", FREE): n + 1})
            assert got == want, f"thread {i} (tid {tid}): {dict(got)} != {dict(want)}"
            heap = Heap(f"thread {i}")
            for r in mem:
                heap.apply(r)
            assert not heap.live, f"thread {i}: {len(heap.live)} blocks not freed"
            assert events[0]["type"] == "thread_start" and events[-1]["type"] == "thread_end", \
                f"thread {i}: stream from {events[0]['type']} to {events[-1]['type']}"
            assert tr.threads[stream]["tid"] == tid and tr.threads[stream]["ended"], tr.threads[stream]
            # no other thread recorded this thread's size
            others = [r for r in tr.of("alloc") if r["size"] == size and r["stream"] != stream]
            assert not others, f"size {size} on other streams: {others[:3]}"


# ---- 3. fork -------------------------------------------------------------------------------------

FORK_PARENT_N, FORK_PARENT_SIZE, FORK_CHILD_N, FORK_CHILD_SIZE = 300, 5001, 200, 5002


def test_fork_child_has_own_trace():
    with hp.tmpdir() as d:
        prog = hp.program("rec_fork")
        proc, path = record([prog], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        parent = Trace(path)
        kids = child_traces(path)
        assert len(kids) == 1, f"child traces: {kids}"
        child = Trace(kids[0])
        assert kids[0].name == f"t.hpt.{child.process['pid']}"
        assert child.process["flags"] & PROCESS_FORKED, child.process
        assert not parent.process["flags"] & PROCESS_FORKED, parent.process
        assert child.process["ppid"] == parent.process["pid"], (child.process, parent.process)
        check_ok_end(parent)
        check_ok_end(child)

        def sizes(tr):
            return collections.Counter(r["size"] for r in tr.of("alloc") if r["size"] in (FORK_PARENT_SIZE, FORK_CHILD_SIZE))
        assert sizes(parent) == {FORK_PARENT_SIZE: 2 * FORK_PARENT_N}, sizes(parent)
        assert sizes(child) == {FORK_CHILD_SIZE: FORK_CHILD_N}, sizes(child)
        for tr, size, n in ((parent, FORK_PARENT_SIZE, 2 * FORK_PARENT_N), (child, FORK_CHILD_SIZE, FORK_CHILD_N)):
            heap = Heap(str(tr.path), strict=False)  # the child frees blocks its parent allocated
            freed = sum(heap.apply(r) == size and r["type"] == "free" for r in tr.of(*MEMORY_EVENTS))
            assert freed == n, f"{tr.path}: {freed} of {n} blocks of {size} bytes freed"
            check_referenced_definitions(tr)
            check_streams_in_tick_order(tr)
        # The child's stream is its own thread, the one that called fork in the parent.
        assert list(child.streams().values()) == [child.process["pid"]], child.streams()
        # The child allocated through the same call stack as the parent: a stack interned before the
        # fork, so its definition must have been repeated in the child's trace.
        child_stacks = {r["stack"] for r in child.of("alloc") if r["size"] == FORK_CHILD_SIZE}
        assert len(child_stacks) == 1 and 0 not in child_stacks, child_stacks
        [sid] = child_stacks
        parent_stacks = {r["stack"] for r in parent.of("alloc") if r["size"] == FORK_PARENT_SIZE}
        assert sid in parent_stacks, "the child's allocations should share the parent's stack id"
        assert child.stacks[sid]["ips"] == parent.stacks[sid]["ips"]
        # Zone and counter sites defined in the parent before the fork are defined in the child too.
        counters = [r for r in child.of("counter")]
        assert [r["value"] for r in counters] == [FORK_CHILD_N], counters
        assert child.sites[counters[0]["site"]]["name"] == "blocks"
        zones = [child.sites[r["site"]]["name"] for r in child.of("zone_begin")]
        assert zones == ["batch"], zones
        parent_counts = [r["value"] for r in parent.of("counter")]
        assert parent_counts == [FORK_PARENT_N, FORK_PARENT_N], parent_counts


SINGLE_THREAD_SIZE = 4321


def test_no_thread_until_there_is_something_to_write():
    """rec_single_thread counts its threads as Chromium's zygote does before it forks (and dies when
    it has more than one): the recorder's writer thread starts with the first event, not with the
    process. A forked child that allocates nothing stays single-threaded too, and both traces are
    whole: the child's end is written by the thread that ends it."""
    with hp.tmpdir() as d:
        prog = hp.program("rec_single_thread")
        native = hp.run([prog])
        assert native.returncode == 0 and native.stdout == "1 1 1\n", (native.stdout, native.stderr)
        proc, path = record([prog], d / "t.hpt", compare=False)  # its counts differ on purpose
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "1 2 1\n", proc.stdout
        parent = Trace(path)
        check_ok_end(parent)
        assert [r["size"] for r in parent.of("alloc") if r["size"] == SINGLE_THREAD_SIZE] == [SINGLE_THREAD_SIZE]
        [kid] = child_traces(path)
        child = Trace(kid)
        assert child.process["flags"] & PROCESS_FORKED, child.process
        assert child.end and child.end["how"] == END__EXIT and child.end["status"] == 0, child.end
        assert not child.of(*MEMORY_EVENTS), child.of(*MEMORY_EVENTS)


UNSHARE_BEFORE, UNSHARE_AFTER = 5123, 6123


def test_unshare_of_a_user_namespace():
    """rec_unshare enters a user namespace after allocating, as `unshare -U` and bubblewrap do: the
    kernel refuses that to a process of more than one thread, so the writer thread steps aside for
    the call (the program failed with EINVAL under the recorder) and comes back after it: the
    allocation after the call is in the trace, and so is the leak scan at exit, which only the
    writer thread runs."""
    with hp.tmpdir() as d:
        prog = hp.program("rec_unshare")
        native = hp.run([prog])
        assert native.returncode == 0 and native.stdout == "unshare 0\n", \
            f"this machine refuses unshare(CLONE_NEWUSER) even without the recorder: {native.stdout}{native.stderr}"
        proc, path = record([prog], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)
        sizes = [r["size"] for r in tr.of("alloc") if r["size"] in (UNSHARE_BEFORE, UNSHARE_AFTER)]
        assert sizes == [UNSHARE_BEFORE, UNSHARE_AFTER], sizes
        assert tr.of("scan_begin"), "no leak scan at exit: the writer thread did not come back"


SETID_BEFORE, SETID_AFTER = 5223, 6223  # tests/programs/rec_setid.c


def test_a_change_of_ids_with_capabilities_of_one_thread():
    """rec_setid drops root as setpriv does: it keeps its capabilities through setresuid, raises them on
    its own thread, then calls setresgid. glibc makes every thread change its ids and aborted the
    process (SIGABRT under the recorder, exit 0 alone) because the writer's thread had lost CAP_SETGID:
    the writer steps aside for the call and comes back with the new ids, so the allocation after the
    call and the leak scan at exit are in the trace."""
    if os.geteuid() != 0:
        raise hp.Skip("rec_setid changes its user: it needs root")
    with hp.tmpdir() as d:
        prog = hp.program("rec_setid")
        native = hp.run([prog])
        assert (native.returncode, native.stdout) == (0, "setid 0\n"), \
            f"rec_setid fails without the recorder (it needs root): {native.stdout}{native.stderr}"
        proc, path = record([prog], d / "t.hpt")
        assert (proc.returncode, proc.stdout) == (0, "setid 0\n"), proc
        tr = Trace(path)
        check_ok_end(tr)
        sizes = [r["size"] for r in tr.of("alloc") if r["size"] in (SETID_BEFORE, SETID_AFTER)]
        assert sizes == [SETID_BEFORE, SETID_AFTER], sizes
        assert tr.of("scan_begin"), "no leak scan at exit: the writer thread did not come back"


# ---- 4. fork + exec, and exec alone --------------------------------------------------------------

EXEC_PRE_N, EXEC_PRE_SIZE = 40, 6001


def count_size(tr, size):
    return sum(1 for r in tr.of("alloc") if r["size"] == size)


def test_fork_exec_traces():
    with hp.tmpdir() as d:
        prog, target = hp.program("rec_exec"), hp.program("rec_target")
        proc, path = record([prog, "fork", target, "6100", "7", "3"], d / "t.hpt")
        assert proc.returncode == 3, proc.stderr
        assert proc.stdout == "target 6100 7\nchild exited 3\n", proc.stdout
        root = Trace(path)
        check_ok_end(root, 3)
        kids = child_traces(path)
        assert len(kids) == 2, f"expected the forked child's trace and the exec'd program's: {kids}"
        forked, execd = Trace(kids[0]), Trace(kids[1])
        pid = forked.process["pid"]
        assert [k.name for k in kids] == [f"t.hpt.{pid}", f"t.hpt.{pid}.1"], kids
        # The pre-exec image of the child: forked, its allocations, ended by exec.
        assert forked.process["flags"] & PROCESS_FORKED and forked.process["ppid"] == root.process["pid"]
        assert count_size(forked, EXEC_PRE_SIZE) == EXEC_PRE_N
        assert forked.end and (forked.end["how"], forked.end["status"]) == (END_EXEC, 0), forked.end
        assert count_size(root, EXEC_PRE_SIZE) == 0
        # The exec'd program: same pid, its own allocations and exit status.
        assert execd.process["pid"] == pid
        assert Path(execd.process["exe"]).name == "rec_target", execd.process
        assert execd.process["argv"][1:] == ["6100", "7", "3"], execd.process
        assert count_size(execd, 6100) == 7 and count_size(execd, EXEC_PRE_SIZE) == 0
        check_ok_end(execd, 3)
        for tr in (root, forked, execd):
            check_referenced_definitions(tr)
        # docs/trace-format.md: PROCESS flags bit 1 "started by exec"
        assert execd.process["flags"] & PROCESS_EXECED, \
            f"the exec'd program's PROCESS record lacks the exec flag: {execd.process}"


def check_exec_in_place(mode):
    """rec_exec MODE: allocations, then exec of rec_target in the same process."""
    with hp.tmpdir() as d:
        prog, target = hp.program("rec_exec"), hp.program("rec_target")
        proc, path = record([prog, mode, target, "6200", "8"], d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == "target 6200 8\n", (proc.stdout, proc.stderr)
        before = Trace(path)
        assert count_size(before, EXEC_PRE_SIZE) == EXEC_PRE_N
        assert before.end and (before.end["how"], before.end["status"]) == (END_EXEC, 0), before.end
        # After its last free the program only calls exec: no memory event of its own may follow.
        mem = before.of(*MEMORY_EVENTS)  # one thread
        last = max(i for i, r in enumerate(mem) if r["type"] == "alloc" and r["size"] == EXEC_PRE_SIZE)
        assert mem[last + 1]["type"] == "free" and mem[last + 1]["addr"] == mem[last]["addr"]
        assert mem[last + 2:] == [], f"exec{'l' if mode == 'list' else 'v'} recorded allocations the program " \
            f"did not make: {[shape(r) for r in mem[last + 2:]]}"
        kids = child_traces(path)
        assert [k.name for k in kids] == [f"t.hpt.{before.process['pid']}"], kids
        after = Trace(kids[0])
        assert after.process["pid"] == before.process["pid"]
        assert after.process["argv"][1:] == ["6200", "8"], after.process
        assert count_size(after, 6200) == 8 and count_size(after, EXEC_PRE_SIZE) == 0
        check_ok_end(after)
        assert after.process["flags"] & PROCESS_EXECED, \
            f"the exec'd program's PROCESS record lacks the exec flag: {after.process}"


def test_exec_without_fork():
    check_exec_in_place("direct")


def test_execl_without_fork():
    check_exec_in_place("list")


def test_exec_with_an_empty_environment_is_followed():
    # execve(prog, argv, {NULL}), as `env -i` does: the recorder's LD_PRELOAD and settings go back into
    # the environment, and the program is recorded like any exec'd one. Before, it ran unrecorded.
    # The same with no environment at all (NULL: execv after clearenv()).
    check_exec_in_place("execve-empty")
    check_exec_in_place("execve-null")


@hp.timeout(120)
def test_a_statically_linked_program_started_is_named_as_not_recorded():
    # No loader reads LD_PRELOAD for a statically linked program (a Go tool, busybox): a recorded
    # process that starts one now says so (UNRECORDED_PROGRAM), where its trace simply ended in an
    # exec or had nothing at all. By exec, by posix_spawn, and by a shell (dash starts its commands
    # from a vfork child: the note goes to the shell's own trace); a dynamic program started is not named.
    with hp.tmpdir() as d:
        prog, static, target = hp.program("rec_exec"), hp.program("rec_static"), hp.program("rec_target")
        expected = [{"path": str(static), "why": "static", "times": 1}]
        for mode, status in [("execve", 6), ("spawn", 5)]:
            proc, root = record([prog, mode, static, str(status)], d / f"{mode}.hpt")
            assert (proc.returncode, proc.stdout) == (status, f"static {status}\n"), proc.stderr
            assert not child_traces(root), child_traces(root)
            s = hp.report_json(root)["summary"]
            assert s["unrecorded_programs"] == expected and s["unrecorded_programs_more"] == 0, s
            text = hp.run([hp.ANALYZE, "report", root])
            assert f"started statically linked programs, which LD_PRELOAD cannot reach, so they are not recorded: " \
                   f"{static}" in " ".join(text.stdout.split()), text.stdout
        proc, root = record(["sh", "-c", f"{static} 3; {static} 4; true"], d / "sh.hpt")
        assert proc.returncode == 0 and proc.stdout == "static 3\nstatic 4\n", proc.stderr
        named = [u for t in [root, *child_traces(root)] for u in hp.report_json(t)["summary"]["unrecorded_programs"]]
        assert sum(u["times"] for u in named) == 2 and {u["path"] for u in named} == {str(static)}, named
        proc, root = record([prog, "spawn", target, "64", "3"], d / "dyn.hpt")
        assert proc.returncode == 0 and hp.report_json(root)["summary"]["unrecorded_programs"] == [], proc.stderr


@hp.timeout(60)
def test_exec_of_a_fifo_fails_as_it_would_alone():
    # The exec hooks read the program's ELF header: a FIFO opened to read would block until a writer
    # came (the first version hung there). exec refuses it (EACCES), as without hookprof.
    with hp.tmpdir() as d:
        fifo = d / "fifo"
        os.mkfifo(fifo)
        proc, _ = record([hp.program("rec_exec"), "execve", fifo], d / "t.hpt", timeout=20)
        assert proc.returncode == 127 and "execve: Permission denied" in proc.stderr, proc.stderr


def test_spawn_with_an_empty_environment_is_followed_unless_told_not_to():
    # posix_spawn with an empty environment, as python's subprocess.run(cmd, env={}) starts a child:
    # the child is recorded (9 allocations of 6300 bytes, exit 5), and with --no-follow it is not, its
    # environment left as the program made it.
    with hp.tmpdir() as d:
        prog, target = hp.program("rec_exec"), hp.program("rec_target")
        argv = [prog, "spawn-empty", target, "6300", "9", "5"]
        proc, path = record(argv, d / "t.hpt")
        assert proc.returncode == 5 and proc.stdout == "target 6300 9\n", (proc.stdout, proc.stderr)
        kids = child_traces(path)
        assert len(kids) == 1, kids
        child = Trace(kids[0])
        assert Path(child.process["exe"]).name == "rec_target" and count_size(child, 6300) == 9
        check_ok_end(child, 5)
        proc, traces = hp.record(argv, d / "n.hpt", options=["--no-follow"])
        assert proc.returncode == 5 and traces == [d / "n.hpt"], (traces, proc.stderr)


# ---- 5. dlopen / dlclose -------------------------------------------------------------------------

DL_LOOPS, DL_SIZE = 50, 4242


def build_id(path):
    """The GNU build-id of an ELF file, in hex, from `readelf -n`."""
    out = subprocess.run(["readelf", "-n", str(path)], stdout=subprocess.PIPE, text=True, check=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    assert m, f"{path} has no build-id"
    return m.group(1)


def test_dlopen_constructor_destructor():
    with hp.tmpdir() as d:
        prog, lib = hp.program("rec_dlopen"), hp.program("librec_dl.so")
        proc, path = record([prog, lib], d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == f"{DL_LOOPS} loads, sum {7 * DL_LOOPS}\n", proc
        tr = Trace(path)
        check_ok_end(tr)
        check_referenced_definitions(tr)
        allocs = [r for r in tr.of("alloc") if r["size"] == DL_SIZE]
        assert len(allocs) == DL_LOOPS and all(r["kind"] == MALLOC for r in allocs), len(allocs)
        heap = Heap("rec_dlopen", strict=False)
        freed = 0
        for r in tr.of(*MEMORY_EVENTS):
            freed += heap.apply(r) == DL_SIZE and r["type"] == "free"
        assert freed == DL_LOOPS, f"{freed} of the library's {DL_LOOPS} blocks freed"
        assert not [a for a, s in heap.live.items() if s == DL_SIZE]
        loads = tr.modules("/librec_dl.so")
        assert loads, "no module_load for librec_dl.so"
        want_id = build_id(lib)
        for m in loads:
            assert Path(m["path"]).resolve() == Path(lib).resolve(), m["path"]
            assert m["build_id"].lower() == want_id, (m["build_id"], want_id)
        bases = {m["base"] for m in loads}
        unloads = [r for r in tr.of("module_unload") if r["base"] in bases]
        assert unloads, "librec_dl.so was unloaded 50 times; no module_unload"


# ---- 6. C++ new / delete -------------------------------------------------------------------------

CXX_LOOPS = 25


def test_cxx_new_delete():
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_cxx")], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)
        events = slice_between_markers(tr.of(*MEMORY_EVENTS), MARK_BEGIN, MARK_END)
        # libstdc++'s operators call malloc and free: that is how they are recorded.
        one = [("alloc", MALLOC, 40), ("alloc", MALLOC, 333), ("alloc", MALLOC, 10 * 16 + 8),
               ("alloc", MALLOC, 4)] + [("free", FREE)] * 4
        diff_sequences([shape(r) for r in events], one * CXX_LOOPS, "rec_cxx")
        for i in range(CXX_LOOPS):
            loop = events[i * 8:(i + 1) * 8]
            assert [r["addr"] for r in loop[4:]] == [loop[k]["addr"] for k in (3, 2, 1, 0)], f"loop {i}"


# ---- 7. tagging macros ---------------------------------------------------------------------------

ZONE_ROUNDS, ZONE_ITEMS = 40, 5


def test_zones_counters_marks():
    with hp.tmpdir() as d:
        proc, path = record([hp.program("rec_zones")], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)
        check_referenced_definitions(tr)
        src = "rec_zones.c"
        want_sites = {
            ("outer", SITE_ZONE, "outer", source_line(src, "HP_FUNC();")),
            ("middle", SITE_ZONE, "outer", source_line(src, 'HP_ZONE("middle");')),
            ("explicit", SITE_ZONE, "outer", source_line(src, 'hp_begin("explicit");')),
            ("items", SITE_COUNTER, "outer", source_line(src, 'HP_COUNT("items", k);')),
            ("tick", SITE_MARK, "outer", source_line(src, 'HP_MARK("tick");')),
            ("negative", SITE_COUNTER, "run", source_line(src, 'HP_COUNT("negative", -3);')),
        }
        got_sites = {(s["name"], s["kind"], s["function"], s["line"]) for s in tr.sites.values()}
        assert got_sites == want_sites, f"sites {got_sites}"
        assert all(s["file"].endswith("tests/programs/rec_zones.c") for s in tr.sites.values()), tr.sites
        by_name = {s["name"]: sid for sid, s in tr.sites.items()}
        tagged = ("zone_begin", "zone_end", "counter", "mark")
        streams = sorted({r["stream"] for r in tr.of(*tagged)})
        assert len(streams) == 2, f"tag events on streams {streams}: main thread and one more"
        one_round = [("zone_begin", by_name["outer"]), ("zone_begin", by_name["middle"]),
                     ("zone_begin", by_name["explicit"])]
        for k in range(1, ZONE_ITEMS + 1):
            one_round += [("counter", by_name["items"], k), ("mark", by_name["tick"])]
        one_round += [("zone_end", 0), ("zone_end", by_name["middle"]), ("zone_end", by_name["outer"]),
                      ("counter", by_name["negative"], -3)]
        for s in streams:
            got = [(r["type"], r["site"], r["value"]) if r["type"] == "counter" else (r["type"], r["site"])
                   for r in tr.stream(s, *tagged)]
            diff_sequences(got, one_round * ZONE_ROUNDS, f"stream {s}")
            # balanced, properly nested: every end closes the innermost open zone
            open_zones = []
            for r in tr.stream(s, "zone_begin", "zone_end"):
                if r["type"] == "zone_begin":
                    open_zones.append(r["site"])
                else:
                    assert open_zones, f"stream {s}: zone_end with no open zone"
                    top = open_zones.pop()
                    assert r["site"] in (0, top), f"stream {s}: end of {r['site']} closes {top}"
            assert not open_zones, f"stream {s}: zones left open {open_zones}"
            counters = collections.Counter()
            for r in tr.stream(s, "counter"):
                counters[tr.sites[r["site"]]["name"]] += r["value"]
            assert counters == {"items": ZONE_ROUNDS * ZONE_ITEMS * (ZONE_ITEMS + 1) // 2,
                                "negative": -3 * ZONE_ROUNDS}, counters
            assert len(tr.stream(s, "mark")) == ZONE_ROUNDS * ZONE_ITEMS


# ---- 8. -finstrument-functions -------------------------------------------------------------------

def test_instrumented_function_calls():
    with hp.tmpdir() as d:
        prog = hp.program("rec_calls_instr")
        proc, path = record([prog], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)
        base = load_base(tr, prog)
        syms = symbols(prog)
        name_at = {base + syms[n][0]: n for n in ("main", "alpha_fn", "beta_fn", "gamma_fn")}
        want = {"main": 1, "alpha_fn": 10, "beta_fn": 30, "gamma_fn": 120}
        for kind in ("func_enter", "func_exit"):
            got = collections.Counter(name_at.get(r["fn"], hex(r["fn"])) for r in tr.of(kind))
            assert got == want, f"{kind}: {dict(got)}"
        calls = tr.of("func_enter", "func_exit")
        assert len({r["stream"] for r in calls}) == 1
        stack = []
        for r in calls:
            if r["type"] == "func_enter":
                stack.append(r["fn"])
            else:
                assert stack and stack.pop() == r["fn"], f"exit of {name_at[r['fn']]} out of order"
        assert not stack
        assert name_at[calls[0]["fn"]] == "main" and calls[-1]["fn"] == calls[0]["fn"]


# ---- 9. stacks -----------------------------------------------------------------------------------

def inside(ip, sym):
    """A return address lies just after a call inside the function: start < ip <= end."""
    start, size = sym
    return start < ip <= start + size


def test_stack_five_calls_deep():
    with hp.tmpdir() as d:
        prog = hp.program("rec_stacks")
        proc, path = record([prog], d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)
        check_referenced_definitions(tr)
        base = load_base(tr, prog)
        syms = symbols(prog)
        [deep] = [r for r in tr.of("alloc") if r["size"] == 9001]
        [shallow] = [r for r in tr.of("alloc") if r["size"] == 9002]
        ips = tr.stacks[deep["stack"]]["ips"]
        frames = ["level5", "level4", "level3", "level2", "level1", "main"]
        assert len(ips) >= len(frames), f"stack of {len(ips)} frames"
        for k, name in enumerate(frames):
            assert inside(ips[k] - base, syms[name]), \
                f"frame {k} at {ips[k] - base:#x} is not in {name} {syms[name][0]:#x}+{syms[name][1]:#x}"
        sips = tr.stacks[shallow["stack"]]["ips"]
        assert inside(sips[0] - base, syms["main"]), f"{sips[0] - base:#x} not in main"


CHURN_THREADS, CHURN_ALLOCS, CHURN_A, CHURN_B = 2000, 50, 1111, 2222  # tests/programs/rec_thread_churn.c


def test_thread_per_request_stacks_and_counts():
    """rec_thread_churn starts 2,000 short threads, four at a time: a new thread often runs on an
    ended one's stack and is given that thread's ring, its stack cache included. Every thread's
    stream is whole (its 50 allocations, each freed), and every allocation's stack is its own
    thread's: request_a's blocks under request_a, request_b's under request_b, though both allocate
    through grab() from the same depth."""
    with hp.tmpdir() as d:
        prog = hp.program("rec_thread_churn")
        proc, path = record([prog], d / "t.hpt")
        assert proc.stdout == f"churn {CHURN_THREADS}\n", proc
        tr = Trace(path)
        check_ok_end(tr)
        base, syms = load_base(tr, prog), symbols(prog)
        heap = Heap()
        for r in tr.of(*MEMORY_EVENTS):
            heap.apply(r)
        per_stream = collections.Counter()
        for r in tr.of("alloc"):
            if r["size"] not in (CHURN_A, CHURN_B):
                continue
            per_stream[(r["stream"], r["size"])] += 1
            assert r["addr"] not in heap.live, r
            ips = tr.stacks[r["stack"]]["ips"]
            want, other = ("request_a", "request_b") if r["size"] == CHURN_A else ("request_b", "request_a")
            assert inside(ips[0] - base, syms["grab"]) and inside(ips[1] - base, syms[want]), \
                f"{r['size']} bytes allocated under {[hex(ip - base) for ip in ips[:3]]}"
            assert not any(inside(ip - base, syms[other]) for ip in ips), r
        assert sorted(per_stream.values()) == [CHURN_ALLOCS] * CHURN_THREADS, collections.Counter(per_stream.values())
        assert len({s for s, _ in per_stream}) == CHURN_THREADS


def test_depth_zero_records_no_stacks():
    with hp.tmpdir() as d:
        prog = hp.program("rec_stacks")
        proc, path = record([prog], d / "t.hpt", env={"HOOKPROF_DEPTH": "0"})
        assert proc.returncode == 0, proc.stderr
        tr = Trace(path)
        check_ok_end(tr)
        with_stack = [r for r in tr.of("alloc", "realloc", "alloc_fail") if r["stack"] != 0]
        assert not with_stack, f"{len(with_stack)} events with a stack: {with_stack[:3]}"
        assert not tr.of("stack"), "stack definitions written with HOOKPROF_DEPTH=0"
        assert [r["size"] for r in tr.of("alloc") if r["size"] in (9001, 9002)] == [9001, 9002]

