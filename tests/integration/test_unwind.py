"""test_unwind.py: the ways the recorder gets stacks agree: frame pointers, libunwind, the stack cache.

rec_stacks (built with frame pointers, as all test programs are) allocates DEEP_SIZE five calls deep
and SHALLOW_SIZE from main; rec_stack_paths reaches the same call sites by many paths, again and again.
Addresses are compared as module offsets: each run has its own layout.
"""
import collections

import hp

DEEP_SIZE = 9001  # rec_stacks.c; level5 adds its argument, 0 from main


def offsets(trace):
    records = hp.dump(trace)
    stacks = {r["id"]: r["ips"] for r in records if r["type"] == "stack"}
    modules = [(r["base"], r["segments"], r["path"]) for r in records if r["type"] == "module_load"]

    def where(ip):
        for base, segments, path in modules:
            if any(base + vaddr <= ip < base + vaddr + memsz for vaddr, memsz, _, _ in segments):
                return (path.rsplit("/", 1)[-1], ip - base)
        return ("?", ip)

    deep = [r for r in records if r["type"] == "alloc" and r["size"] == DEEP_SIZE]
    assert len(deep) == 1, deep
    return [where(ip) for ip in stacks[deep[0]["stack"]]]


def test_frame_pointer_walk_matches_libunwind():
    with hp.tmpdir() as d:
        prog = hp.program("rec_stacks")
        proc, _ = hp.record([prog], output=d / "dwarf.hpt", extra_env={"HOOKPROF_UNWIND": "dwarf"})
        assert proc.returncode == 0, proc.stderr
        proc, _ = hp.record([prog], output=d / "fp.hpt", extra_env={"HOOKPROF_UNWIND": "fp"})
        assert proc.returncode == 0, proc.stderr
        dwarf, fp = offsets(d / "dwarf.hpt"), offsets(d / "fp.hpt")
        # The program's own frames (main and five levels) agree; below main, libc has no frame
        # pointers, so the walk may stop there.
        own = []
        for f in dwarf:  # the leading run of the program's frames, level5 up to main
            if f[0] != "rec_stacks":
                break
            own.append(f)
        assert len(own) >= 6, dwarf
        assert fp[:len(own)] == own, (fp, dwarf)


def stacks_by_stream(trace):
    """stream -> [(size, frames as module offsets)] of every allocation, in the stream's order."""
    records = hp.dump(trace)
    stacks = {r["id"]: r["ips"] for r in records if r["type"] == "stack"}
    modules = [(r["base"], r["segments"], r["path"].rsplit("/", 1)[-1]) for r in records if r["type"] == "module_load"]

    def where(ip):
        for base, segments, name in modules:
            if any(base + vaddr <= ip < base + vaddr + memsz for vaddr, memsz, _, _ in segments):
                return (name, ip - base)
        return ("?", ip)

    out = collections.defaultdict(list)
    for r in records:
        if r["type"] == "alloc":
            out[r["stream"]].append((r["size"], tuple(where(ip) for ip in stacks.get(r["stack"], []))))
    return out


def test_stack_cache_gives_the_stacks_an_unwind_gives():
    rounds = 300
    with hp.tmpdir() as d:
        prog = hp.program("rec_stack_paths")
        runs = {}
        for name, cache in (("cached", "1"), ("unwound", "0")):
            proc, _ = hp.record([prog, str(rounds)], output=d / f"{name}.hpt", extra_env={"HOOKPROF_STACK_CACHE": cache})
            assert proc.returncode == 0, proc.stderr
            runs[name] = stacks_by_stream(d / f"{name}.hpt")
        cached, unwound = runs["cached"], runs["unwound"]
        assert sorted(cached) == sorted(unwound)
        for stream in unwound:
            assert len(cached[stream]) == len(unwound[stream])
            for i, (got, want) in enumerate(zip(cached[stream], unwound[stream])):
                assert got == want, f"stream {stream}, allocation {i}: cached {got} != unwound {want}"
        # The stacks are the paths the program took: leaf, then one recurse frame per level below the
        # first, then run (and main and _start, on the main thread); twin callers told apart; four alloca
        # sizes.
        program_frames = collections.defaultdict(set)
        for events in unwound.values():
            for size, frames in events:
                program_frames[size].add(tuple(f for f in frames if f[0] == "rec_stack_paths"))
        for depth in range(1, 8):
            assert {len(own) - depth for own in program_frames[1000 + depth]} <= {3, 5}, program_frames[1000 + depth]
        assert program_frames[2001] and program_frames[2002] and not program_frames[2001] & program_frames[2002]
        assert all(program_frames[3000 + n] for n in (1, 2, 3, 4))
        assert program_frames[4001]
