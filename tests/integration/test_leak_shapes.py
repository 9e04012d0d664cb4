"""test_leak_shapes.py: leak kinds equal memcheck's, byte for byte, on every shape and on python3.

Each shape of tests/programs/leak_shapes.c and leak_shapes_cxx.cc (and python3's JSON round trip with
its default allocator) runs under hookprof and under `valgrind --leak-check=full
--show-leak-kinds=all`, and the four totals (definitely, indirectly, possibly lost, still reachable)
must be equal. The differences that cannot be removed are accounted for here, and listed in the
README with their reasons:
- valgrind frees libc's and libstdc++'s one-time allocations itself before its check
  (__libc_freeres, __gnu_cxx::__freeres): it runs with --run-libc-freeres=no --run-cxx-freeres=no, and
  hookprof without its built-in suppressions (which stand for those frees), so both see the same
  blocks;
- a thread's DTV (allocated by _dl_allocate_tls) is 16 bytes larger per module with thread-local
  storage, and hookprof's library is one: DTVs are suppressed on both sides;
- libstdc++'s emergency exception pool is allocated by a constructor that may run before the recorder
  starts: suppressed on both sides;
- python's radix tree of pymalloc arenas takes one more 128 KiB node when the kernel happens to place
  arenas across one of its boundaries: python runs with address randomisation off (`setarch -R`), as
  under valgrind, whose layout is fixed.
"""
import re
import shutil
import sys

import hp

KINDS = hp.MEMCHECK_KINDS

VALGRIND_SUPPRESSIONS = """{
   thread-dtv
   Memcheck:Leak
   ...
   fun:_dl_allocate_tls
   ...
}
{
   libstdc++-emergency-pool
   Memcheck:Leak
   fun:malloc
   obj:*/libstdc++.so*
   ...
   fun:_dl_init
}
"""
HOOKPROF_SUPPRESSIONS = "leak:_dl_allocate_tls\n"


def is_emergency_pool(leak):
    """Allocated by libstdc++ while the loader runs constructors (without symbols for its pool)."""
    frames = leak["stack"]
    return (any("libstdc++" in (f["module"] or "") for f in frames)
            and any(f["function"] in ("_dl_init", "call_init") for f in frames))

# What each shape is known to leave (the programs' comments): (bytes, blocks) by kind, zero elsewhere.
C_SHAPES = {
    "mmap_pool": {"definite": (192, 3), "reachable": (240, 5)},
    "shared_map": {"reachable": (144, 2)},
    "tagged": {"possible": (96, 2), "reachable": (16, 1)},
    "arena_bookkeeping": {"definite": (4488, 11)},
    "thread_arena": {"definite": (100, 1), "reachable": (200, 1)},
    "cycle": {"definite": (32, 1), "indirect": (32, 1), "reachable": (96, 2)},
    "list": {"definite": (24, 1), "indirect": (216, 9)},
    "tree": {"definite": (32, 1), "indirect": (192, 6)},
    "interior_chain": {"possible": (112, 3), "reachable": (48, 1)},
    "memalign": {"definite": (276, 4), "reachable": (536, 2)},
    "detached": {"definite": (33, 1), "reachable": (77, 1)},
    "tls": {"definite": (320, 1), "reachable": (610, 2)},
    "_exit": {"definite": (120, 2), "reachable": (60, 1)},
}
CXX_SHAPES = {
    "newarray": ({"definite": (44, 1), "reachable": (68, 1)}, "newarray"),
    "multipleinheritance": ({"reachable": (40, 1)}, "multipleinheritance"),
    "stdstring": ({"reachable": (133, 2)}, "stdstring"),
}


def expected(known):
    return {k: known.get(k, (0, 0)) for _, k in KINDS}


def ours(d, argv, prefix=()):
    """The four totals hookprof gives; prefix: a command the launcher runs under (setarch -R)."""
    supp = d / "hookprof.supp"
    supp.write_text(HOOKPROF_SUPPRESSIONS)
    proc = hp.run([*prefix, hp.LAUNCHER, "record", "--no-follow", "-o", d / "t.hpt", "--", *argv],
                  env={"PYTHONHASHSEED": "0"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = hp.report_json(d / "t.hpt", "--no-builtin-suppressions", "all", "--suppressions", supp, "--top", "0")
    s = report["summary"]
    assert s["leaks_classified"] is True
    got = {k: [s["leak_kinds"][k]["bytes"], s["leak_kinds"][k]["blocks"]] for _, k in KINDS}
    for leak in report["leaks"]:
        if is_emergency_pool(leak):
            got[leak["kind"]][0] -= leak["bytes"]
            got[leak["kind"]][1] -= leak["blocks"]
    return {k: tuple(v) for k, v in got.items()}, report


def memcheck(d, argv):
    supp = d / "valgrind.supp"
    supp.write_text(VALGRIND_SUPPRESSIONS)
    proc = hp.run(["valgrind", "--leak-check=full", "--show-leak-kinds=all", "--run-libc-freeres=no",
                   "--run-cxx-freeres=no", f"--suppressions={supp}", *argv], env={"PYTHONHASHSEED": "0"},
                  timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (theirs,) = hp.memcheck_summaries(proc.stderr).values()  # one process
    return theirs, proc.stderr


def need_valgrind():
    if not shutil.which("valgrind"):
        raise hp.Skip("valgrind is not installed (scripts/install-test-deps installs it)")


@hp.timeout(400)
def test_c_shapes_equal_memcheck():
    need_valgrind()
    for shape, known in C_SHAPES.items():
        with hp.tmpdir() as d:
            argv = [hp.program("leak_shapes"), shape]
            got, _ = ours(d, argv)
            assert got == expected(known), f"{shape}: hookprof {got} != known {expected(known)}"
            theirs, _ = memcheck(d, argv)
            assert got == theirs, f"{shape}: hookprof {got} != memcheck {theirs}"


@hp.timeout(200)
def test_cxx_heuristics_equal_memcheck():
    need_valgrind()
    for shape, (known, heuristic) in CXX_SHAPES.items():
        with hp.tmpdir() as d:
            argv = [hp.program("leak_shapes_cxx"), shape]
            got, report = ours(d, argv)
            assert got == expected(known), f"{shape}: hookprof {got} != known {expected(known)}"
            via = report["scans"][-1]["reachable_via_heuristic"]
            assert via[heuristic]["blocks"] == 1, via
            theirs, stderr = memcheck(d, argv)
            assert got == theirs, f"{shape}: hookprof {got} != memcheck {theirs}"
            assert re.search(heuristic + r"\s*: [\d,]+ bytes in 1 blocks", stderr), stderr[-1500:]
            # The heuristics can be switched off, as memcheck's: the block is then possibly lost.
            off = hp.report_json(d / "t.hpt", "--no-builtin-suppressions", "all", "--suppressions",
                                 d / "hookprof.supp", "--leak-check-heuristics", "none")["summary"]["leak_kinds"]
            assert off["possible"]["blocks"] == 1, (shape, off)
    bad = hp.run([hp.ANALYZE, "leaks", "--leak-check-heuristics", "stdstrin", "x.hpt"])
    assert bad.returncode == 2 and "unknown leak heuristic 'stdstrin'" in bad.stderr, bad.stderr


@hp.timeout(400)
def test_python_default_allocator_equals_memcheck():
    """pymalloc's arenas are memory python mapped itself: they are roots, as memcheck scans them."""
    need_valgrind()
    python = "/usr/bin/python3" if shutil.os.path.exists("/usr/bin/python3") else sys.executable
    with hp.tmpdir() as d:
        script = d / "roundtrip.py"
        script.write_text("import json\nd=[{'id': i, 'name': 'n%d' % i, 'tags': ['a', 'b', str(i)]} "
                          "for i in range(2000)]\nfor _ in range(3):\n    d = json.loads(json.dumps(d))\n")
        # Where the kernel puts pymalloc's arenas decides how many nodes (128 KiB each) python's
        # radix tree of arenas needs: address randomisation off, as under valgrind, for one answer.
        setarch = shutil.which("setarch")
        assert setarch, "setarch (util-linux) is missing"
        argv = [python, script]
        got, report = ours(d, argv, prefix=[setarch, "-R"])
        theirs, _ = memcheck(d, argv)
        assert got == theirs, f"hookprof {got} != memcheck {theirs}"
        assert got["definite"] == (0, 0), got
        # With its built-in suppressions (what valgrind frees itself), nothing to recommend.
        recs = hp.report_json(d / "t.hpt")["recommendations"]
        assert not [r for r in recs if r["rule"] == "leak"], recs
