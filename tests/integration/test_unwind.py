"""test_unwind.py: HOOKPROF_UNWIND=fp walks frame pointers and finds the same frames as libunwind.

rec_stacks (built with frame pointers, as all test programs are) allocates DEEP_SIZE five calls deep
and SHALLOW_SIZE from main. Addresses are compared as module offsets: each run has its own layout.
"""
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
