"""test_diff.py: `diff` compares two runs: totals, functions judged against their noise, allocation sites.

zone_sleeps' inner() sleeps 20 ms per call by default, the given milliseconds otherwise: a run with
40 ms is slower in inner() and in outer(), which calls it twice. zone_jitter's step() sleeps a
seeded sequence of 0-30 ms (the test computes it): two seeds give means far apart relative to the
threshold yet within the spread of the calls.
"""
import json
import math

import hp

THRESHOLD = 0.05


def jitter_sleeps(seed):
    x, out = seed, []
    for _ in range(12):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out.append((x >> 16) % 31)
    return out


def mean_sd(values):
    m = sum(values) / len(values)
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def diff(*args):
    return hp.run([hp.ANALYZE, "diff", *args])


def test_slower_function_in_every_format():
    with hp.tmpdir() as d:
        prog = hp.program("zone_sleeps")
        for name, arg in (("base", "20"), ("slow", "40")):
            proc, _ = hp.record([prog, arg], output=d / f"{name}.hpt")
            assert proc.returncode == 0, proc.stderr
        js = json.loads(hp.analyze(["diff", "--format", "json", d / "base.hpt", d / "slow.hpt"]))
        fns = {f["name"]: f for f in js["functions"]}
        assert fns["inner"]["verdict"] == "slower" and fns["outer"]["verdict"] == "slower", fns
        inner = fns["inner"]
        assert inner["base"]["calls"] == 10 and inner["new"]["calls"] == 10
        assert inner["base"]["mean_ns"] >= 20e6 and inner["new"]["mean_ns"] >= 40e6
        # slept twice as long: about +100%, never less than the sleeps alone allow
        assert 0.8 < inner["mean_change"] < 1.2, inner
        assert 0 < inner["noise_ns"] < inner["new"]["mean_ns"] - inner["base"]["mean_ns"]
        totals = {t["name"]: t for t in js["totals"]}
        assert totals["zone calls"]["base"] == totals["zone calls"]["new"] == 15
        # ten more sleeps of 20 ms; the base run may have overslept by a few ms per call
        assert totals["run time"]["new"] - totals["run time"]["base"] >= 10 * 20e6 * 0.75
        text = hp.analyze(["diff", d / "base.hpt", d / "slow.hpt"])
        row = next(l for l in text.splitlines() if l.strip().startswith("inner (zone_sleeps.c:"))
        assert row.split()[-1] == "slower" and "->" in row, text
        assert "2 slower, 0 faster" in text, text
        md = hp.analyze(["diff", "--format", "md", d / "base.hpt", d / "slow.hpt"])
        assert any(l.startswith("| inner (zone\\_sleeps.c:") and l.rstrip().endswith("| slower |")
                   for l in md.splitlines()), md


def test_mean_change_within_the_noise_is_not_a_regression():
    # Two seeds whose means differ by more than the threshold but by less than half of twice the
    # standard error of the difference: the verdict must be "within noise", with a margin.
    best = None
    for a in range(1, 200):
        for b in range(a + 1, 200):
            (ma, sa), (mb, sb) = mean_sd(jitter_sleeps(a)), mean_sd(jitter_sleeps(b))
            noise = 2 * math.sqrt(sa * sa / 12 + sb * sb / 12)
            if ma >= 10 and mb > ma * 1.25 and mb - ma < 0.5 * noise and mb < 20:
                best = (a, b)
                break
        if best:
            break
    assert best, "no pair of seeds fits"
    # The runs sleep: a loaded machine oversleeps some calls by tens of milliseconds, and the means
    # recorded may then not differ as the seeds say (once -3% instead of about +25%, under a
    # sanitizer build beside another busy process). Such a pair of runs is not the case this test
    # judges; three pairs give the machine three chances. A wrong verdict on a pair that is the case
    # fails at once.
    for attempt in range(3):
        with hp.tmpdir() as d:
            prog = hp.program("zone_jitter")
            for name, seed in zip(("base", "new"), best):
                proc, _ = hp.record([prog, str(seed)], output=d / f"{name}.hpt")
                assert proc.returncode == 0, proc.stderr
            js = json.loads(hp.analyze(["diff", "--format", "json", "--all", d / "base.hpt", d / "new.hpt"]))
            step = next(f for f in js["functions"] if f["name"] == "step")
            if step["mean_change"] <= THRESHOLD:
                print(f"run {attempt + 1}: the sleeps did not keep their seeds' means: {step}")
                continue
            assert step["verdict"] == "within noise", step
            gate = hp.run([hp.ANALYZE, "check", d / "new.hpt", "--baseline", d / "base.hpt",
                           "--max-regression", "5%"])
            assert gate.returncode == 0, gate.stdout + gate.stderr
            return
    raise AssertionError("three pairs of runs in a row overslept: the means never differed as seeded")


def test_allocation_sites_and_usage_errors():
    with hp.tmpdir() as d:
        # leak_patterns against itself: every site is the same, none is listed; --all lists them.
        for name in ("a", "b"):
            proc, _ = hp.record([hp.program("leak_patterns")], output=d / f"{name}.hpt")
            assert proc.returncode == 0, proc.stderr
        js = json.loads(hp.analyze(["diff", "--format", "json", d / "a.hpt", d / "b.hpt"]))
        assert js["sites"] == [], js["sites"]
        every = json.loads(hp.analyze(["diff", "--format", "json", "--all", "--top", "0", d / "a.hpt", d / "b.hpt"]))
        report = hp.report_json(d / "a.hpt", "--top", "0")
        assert sum(s["base"]["bytes"] for s in every["sites"]) == report["summary"]["bytes_allocated"]
        assert all(s["base"] == s["new"] for s in every["sites"]), every["sites"]
        leaked = next(t for t in every["totals"] if t["name"] == "leaked bytes")
        assert leaked["base"] == leaked["new"] == report["summary"]["leaked_bytes"] > 0

        one = diff(d / "a.hpt")
        assert one.returncode == 2 and "give two traces" in one.stderr
        missing = diff(d / "a.hpt", d / "nope.hpt")
        assert missing.returncode == 1 and "nope.hpt" in missing.stderr and missing.stderr.count("\n") == 1
        bad = diff("--threshold", "x", d / "a.hpt", d / "b.hpt")
        assert bad.returncode == 2 and "--threshold" in bad.stderr
