"""test_incomplete_traces.py: traces that lack something (samples, allocations, the process's end, the
allocation of a freed block) and special files: every command says so, none crashes or hangs, and what
was not recorded is not scored."""
import json
import os
import re
import stat
import threading

import hp
import hpt_craft


def report_json(trace):
    return json.loads(hp.analyze(["report", "--format", "json", trace]))


def test_report_without_samples():
    """HOOKPROF_RECORD=alloc,zones: no SAMPLE record; the report printed half and died of SIGSEGV."""
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc = hp.run([hp.LAUNCHER, "-o", out, hp.program("demo")], env={"HOOKPROF_RECORD": "alloc,zones"},
                      cwd=d, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "failed" not in proc.stderr, proc.stderr
        assert "Not freed at exit" in proc.stdout
        # The warning is wrapped to the report's width: read it with its lines joined.
        assert "not recorded (HOOKPROF_RECORD): instrumented functions, process samples" in " ".join(
            proc.stdout.split())
        r = report_json(out)
        assert r["timeline"] == []
        score = {c["name"]: c for c in r["score"]["components"]}
        assert score["leaks"]["applies"] and not score["peak"]["applies"]


def test_what_was_not_recorded_is_not_scored():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc, _ = hp.record([hp.program("leak_patterns")], output=out, extra_env={"HOOKPROF_RECORD": "samples"})
        assert proc.returncode == 0, proc.stderr
        r = report_json(out)
        score = {c["name"]: c for c in r["score"]["components"]}
        for name in ("churn", "temporary", "leaks", "peak", "allocator"):
            assert not score[name]["applies"], (name, score[name])
        assert any("not recorded (HOOKPROF_RECORD): allocations" in w for w in r["warnings"]), r["warnings"]
        text = hp.analyze(["report", out])
        assert "none: every block was freed" not in text
        assert re.search(r"allocations +not recorded \(HOOKPROF_RECORD\)", text), text
        proc = hp.run([hp.ANALYZE, "check", "--max-leaked", "0", out])
        assert proc.returncode == 1 and "allocations were not recorded" in proc.stdout + proc.stderr, proc


def test_an_incomplete_trace_is_a_warning_everywhere_and_fails_check():
    with hp.tmpdir() as d:
        out = d / "k.hpt"
        proc, _ = hp.record([hp.program("rec_killed")], output=out)
        assert proc.returncode == 128 + 9, proc.stderr
        warning = "the trace does not record the end of the process"
        for args in (["report"], ["leaks"], ["dump"], ["export", "--format", "folded"], ["diff", out],
                     ["top", "--once"]):
            p = hp.run([hp.ANALYZE, *args, out])
            assert p.returncode == 0, (args, p.stderr)
            assert warning in p.stderr, (args, p.stderr)
        p = hp.run([hp.ANALYZE, "check", out])
        assert p.returncode == 1, p
        assert "hookprof: check failed: " + str(out) + " is incomplete" in p.stdout + p.stderr, p
        p = hp.run([hp.ANALYZE, "check", "--allow-incomplete", out])
        assert p.returncode == 0 and "check passed" in p.stdout, p
        # Cut before its first chunk: not "check passed (score 100)".
        cut = d / "cut.hpt"
        cut.write_bytes(out.read_bytes()[:40])
        p = hp.run([hp.ANALYZE, "check", cut])
        assert p.returncode == 1 and "is incomplete" in p.stdout + p.stderr, p


def test_free_of_a_block_never_seen_allocated_is_a_warning_in_every_format():
    with hp.tmpdir() as d:
        st = hpt_craft.Stream()
        raw = (hpt_craft.record(hpt_craft.STREAM, hpt_craft.u(0)) + hpt_craft.process() + hpt_craft.clock(1000) +
               hpt_craft.record(hpt_craft.STREAM, hpt_craft.u(1)) +
               hpt_craft.record(hpt_craft.THREAD_START, st.dt(1001) + hpt_craft.u(77)) +
               hpt_craft.record(hpt_craft.ALLOC, st.dt(1002) + hpt_craft.u(0) + st.da(0x5000) + hpt_craft.u(64) +
                                hpt_craft.u(0)))
        for i in range(3):  # three frees of blocks allocated before recording started
            raw += hpt_craft.record(hpt_craft.FREE, st.dt(1003 + i) + hpt_craft.u(0) + st.da(0x9000 + 16 * i))
        raw += hpt_craft.record(hpt_craft.FREE, st.dt(1010) + hpt_craft.u(0) + st.da(0x5000))
        raw += hpt_craft.record(hpt_craft.STREAM, hpt_craft.u(0)) + hpt_craft.process_end(1011)
        trace = d / "f.hpt"
        trace.write_bytes(hpt_craft.header() + hpt_craft.chunk(raw, seq=0))
        line = "3 frees of blocks the trace never saw allocated"
        for fmt in ("text", "md", "json", "csv"):
            out = hp.analyze(["report", "--format", fmt, trace])
            assert line in out, (fmt, out)
        hp.analyze(["report", "--html", d / "r.html", trace])
        assert line in (d / "r.html").read_text()
        for args in (["leaks"], ["export", "--format", "folded"], ["check"], ["diff", trace]):
            p = hp.run([hp.ANALYZE, *args, trace])
            assert line in p.stderr, (args, p.stderr)


def test_special_files_are_refused_before_they_are_opened():
    with hp.tmpdir() as d:
        fifo = d / "fifo.hpt"
        os.mkfifo(fifo)
        for args in (["report"], ["dump"], ["leaks"], ["top", "--once"], ["probe"], ["export", "--format", "chrome"]):
            p = hp.run([hp.ANALYZE, *args, fifo], timeout=20)
            assert p.returncode == 1, (args, p)
            assert re.fullmatch(r"hookprof: .*'.*fifo\.hpt'.*\n", p.stderr), (args, p.stderr)
        # Named like a child trace of a real one: the report says so and does not wait for a writer.
        out = d / "t.hpt"
        hp.record([hp.program("ends_as"), "status", "0"], output=out)
        os.mkfifo(d / "t.hpt.4242")
        p = hp.run([hp.ANALYZE, "report", out], timeout=20)
        assert "t.hpt.4242': a FIFO, not a trace file" in p.stderr, p.stderr
        # A FIFO (or a device: /dev/null) as the output is written in place: renaming a temporary file
        # over it replaced /dev/null with a regular file when run as root.
        pipe, got = d / "out.fifo", []
        os.mkfifo(pipe)
        reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
        reader.start()
        p = hp.run([hp.ANALYZE, "export", "--format", "folded", "--cost", "allocs", "-o", pipe, out], timeout=20)
        reader.join(20)
        assert p.returncode == 0, p.stderr
        assert stat.S_ISFIFO(os.stat(pipe).st_mode) and not (d / "out.fifo.tmp").exists()
        assert got and got[0].decode() == hp.analyze(["export", "--format", "folded", "--cost", "allocs", out])


def test_the_launcher_lists_an_unreadable_child_trace_as_such_and_the_rest_by_their_own_status():
    # status printed no line for a trace it could not read (an empty file: on a full disk, the recorder
    # created it and could not write its header), and the launcher, which reads one line per trace,
    # took every later trace's line for the one before it: the empty trace was "written", the cut one
    # after it too. The program here leaves both beside its own trace, named as child traces are.
    with hp.tmpdir() as d:
        whole = d / "whole.hpt"
        hp.record([hp.program("ends_as"), "status", "0"], output=whole)
        out = d / "t.hpt"
        script = f": > {d}/t.hpt.1; head -c 100 {whole} > {d}/t.hpt.2"
        proc, _ = hp.record(["/bin/sh", "-c", script], output=out)
        assert proc.returncode == 0, proc.stderr
        assert f"unreadable child trace at {out}.1 (" in proc.stderr, proc.stderr
        assert f"incomplete child trace at {out}.2 (cut at byte" in proc.stderr, proc.stderr
        lines = proc.stderr.splitlines()
        assert f"hookprof: child trace written to {out}.1" not in lines, proc.stderr
        assert f"hookprof: child trace written to {out}.2" not in lines, proc.stderr
