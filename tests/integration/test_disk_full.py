"""test_disk_full.py: a trace on a full disk: the program runs to its normal end, one warning on stderr.

Uses a 4 MiB tmpfs: the first chunks fit (a chunk is written once 1 MiB is staged, and stored whole when the
program keeps every CPU busy, as under a parallel test run), then it fills (needs root and a kernel that lets
this sandbox mount one; skipped otherwise, which fails under CI).
"""
import os
import subprocess

import hp


def test_full_disk_keeps_program_running():
    with hp.tmpdir() as d:
        mnt = d / "small"
        mnt.mkdir()
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                                                capture_output=True).returncode != 0:
            raise hp.Skip("cannot mount a small tmpfs here")
        try:
            prog = [str(hp.program("bench_alloc_storm")), "2000000", "1"]
            plain = hp.run(prog)
            env = {"LD_PRELOAD": str(hp.BUILD / "libhookprof.so"), "HOOKPROF_OUTPUT": str(mnt / "t.hpt")}
            rec = hp.run(prog, env=env, timeout=120)
            assert (rec.returncode, rec.stdout) == (plain.returncode, plain.stdout)
            warnings = [l for l in rec.stderr.splitlines() if l.strip()]
            assert len(warnings) == 1 and "cannot write the trace" in warnings[0], rec.stderr
            # What reached the disk before it filled is a readable, truncated trace.
            records = hp.dump(mnt / "t.hpt")  # fails the test unless dump exits 0
            status = records[-1]
            assert status["type"] == "status" and status["error"] is None, status
            assert any(r["type"] == "alloc" for r in records)
        finally:
            subprocess.run(["umount", str(mnt)], capture_output=True)
