"""test_cpu_time.py: `record --cpu-time` records each zone's thread CPU time beside its wall time.

zone_cpu runs three zones per round: "half" sleeps 10 ms then computes 10 ms of CPU, "sleep" only sleeps,
"spin" only computes. It measures each zone itself (CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID around
it) and prints the sums. The program's interval encloses the recorder's, so the CPU the program counts
and the recorder does not is bounded by the wall time between the two intervals (a thread cannot use
more CPU than elapses), plus the recorder's own reading of the CPU clock inside the zone.
"""
import re

import hp

ROUNDS = 6


def measured(stdout):
    out = {}
    for name, wall, cpu in re.findall(r"^(\w+) wall_ns=(\d+) cpu_ns=(\d+)$", stdout, re.M):
        out[name] = (int(wall), int(cpu))
    return out


def test_cpu_time_per_zone():
    with hp.tmpdir() as d:
        proc = hp.run([hp.LAUNCHER, "record", "--cpu-time", "-o", d / "c.hpt", "--", hp.program("zone_cpu"), ROUNDS])
        assert proc.returncode == 0, proc.stderr
        own = measured(proc.stdout)
        report = hp.report_json(d / "c.hpt")
        fns = {f["name"]: f for f in report["functions"]}
        dump = hp.dump(d / "c.hpt")
        cpu_records = [e for e in dump if e.get("type") == "zone_cpu"]
        assert len(cpu_records) == 2 * 3 * ROUNDS, len(cpu_records)
        for name in ("half", "sleep", "spin"):
            f, (wall, cpu) = fns[name], own[name]
            assert f["calls"] == ROUNDS and f["cpu_ns"] is not None
            outside = wall - f["total_ns"]  # the program's interval minus the recorder's
            assert 0 <= outside < wall, (name, wall, f["total_ns"])
            # What the recorder's reading of the CPU clock costs inside the zone: taken from the zone
            # that does nothing but wait (its CPU is that cost and the sleep's own system time).
            slack = fns["sleep"]["cpu_ns"] + own["sleep"][1]
            assert cpu - outside - slack <= f["cpu_ns"] <= cpu, (name, f["cpu_ns"], cpu, outside, slack)
        # "half" computes 10 ms per call (the program spins until its thread has used that much) and
        # sleeps 10 ms: its CPU share is the program's own measure of it, about a half on an idle machine.
        half = fns["half"]
        assert half["cpu_ns"] >= ROUNDS * 10e6 * 0.99, half
        share, own_share = half["cpu_ns"] / half["total_ns"], own["half"][1] / own["half"][0]
        assert abs(share - own_share) < 0.05, (share, own_share)
        assert share <= 0.55, share
        # Waiting is told apart from computing.
        assert fns["sleep"]["cpu_ns"] < 0.1 * fns["sleep"]["total_ns"], fns["sleep"]
        assert fns["spin"]["cpu_ns"] >= ROUNDS * 10e6 * 0.99, fns["spin"]
        text = hp.analyze(["report", d / "c.hpt"])
        head = [l for l in text.splitlines() if l.strip().startswith("function") and " calls " in l][0]
        assert head.split()[-1] == "cpu", head


def test_without_the_option_nothing_changes():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_cpu"), 1], output=d / "n.hpt")
        assert proc.returncode == 0, proc.stderr
        features = int.from_bytes((d / "n.hpt").read_bytes()[16:24], "little")
        assert features & 4 == 0, features
        assert not [e for e in hp.dump(d / "n.hpt") if e.get("type") == "zone_cpu"]
        report = hp.report_json(d / "n.hpt")
        assert all(f["cpu_ns"] is None for f in report["functions"])
        head = [l for l in hp.analyze(["report", d / "n.hpt"]).splitlines() if l.strip().startswith("function")][0]
        assert head.split()[-1] == "score", head
        # HOOKPROF_CPU_TIME=1 is the option without the launcher.
        proc, _ = hp.record([hp.program("zone_cpu"), 1], output=d / "e.hpt", extra_env={"HOOKPROF_CPU_TIME": "1"})
        assert int.from_bytes((d / "e.hpt").read_bytes()[16:24], "little") & 4
        assert all(f["cpu_ns"] is not None for f in hp.report_json(d / "e.hpt")["functions"])


def test_the_runs_cpu_time_is_the_traces_own():
    # A process's CPU time in the report is what it took from its trace's start (the writer's first
    # process sample) to its end (the writer's last): what the loader, its first constructors and the
    # recorder's start took before is not the run's, whose run time starts there too (it was counted:
    # 2 ms more than the run's own for a process of 2 ms, "CPU 1104%" in `top`). ends_as reads the
    # process's CPU clock as main starts, which the trace's start comes before.
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("ends_as"), "cpu"], output=d / "c.hpt")
        assert proc.returncode == 0, proc.stderr
        at_main = int(re.search(r"^cpu_at_main (\d+)$", proc.stdout, re.M).group(1))
        samples = [e for e in hp.dump(d / "c.hpt") if e.get("type") == "sample"]
        cpu = [e["utime_ns"] + e["stime_ns"] for e in samples]
        assert len(samples) >= 2 and cpu[0] <= at_main + 1000, (cpu, at_main)  # rusage counts microseconds
        s = hp.report_json(d / "c.hpt")["summary"]
        assert samples[-1]["ns"] >= s["run_ns"] - 1000000, (samples[-1], s["run_ns"])  # the last at the end
        assert s["cpu_ns"] == cpu[-1] - cpu[0], (s["cpu_ns"], cpu)
        assert s["cpu_ns"] <= 2 * s["run_ns"], s  # the program's thread and the writer's at most
