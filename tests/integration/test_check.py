"""test_check.py: `check` gates a trace on score, leaks, lost events and regressions against a baseline.

zone_sleeps' inner() sleeps 20 ms (40 ms when told): the 40 ms run is a regression of inner() only.
"""
import hp


def check(*args):
    return hp.run([hp.ANALYZE, "check", *args])


def test_regression_against_a_baseline():
    with hp.tmpdir() as d:
        prog = hp.program("zone_sleeps")
        for name, arg in (("base", "20"), ("again", "20"), ("slow", "40")):
            proc, _ = hp.record([prog, arg], output=d / f"{name}.hpt")
            assert proc.returncode == 0, proc.stderr
        ok = check(d / "again.hpt", "--baseline", d / "base.hpt", "--max-regression", "10%")
        assert ok.returncode == 0 and "check passed" in ok.stdout, ok.stdout + ok.stderr
        bad = check(d / "slow.hpt", "--baseline", d / "base.hpt", "--max-regression", "10%")
        assert bad.returncode == 1, bad.stdout + bad.stderr
        lines = [l for l in bad.stdout.splitlines() if l.startswith("hookprof: check failed: ")]
        assert len(lines) >= 1 and all("inner" in l or "outer" in l for l in lines), bad.stdout
        assert any(l.startswith("hookprof: check failed: inner (zone_sleeps.c:") for l in lines), bad.stdout


def test_leak_score_and_usage_limits():
    with hp.tmpdir() as d:
        hp.record([hp.program("leak_patterns")], output=d / "t.hpt")
        bad = check(d / "t.hpt", "--max-leaked", "0")
        assert bad.returncode == 1
        # definite 8 + indirect 9 + possible 1 blocks; the formatting of sizes is the report's
        assert bad.stdout.startswith("hookprof: check failed: leaked ") and " in 18 blocks > --max-leaked 0" in bad.stdout, \
            bad.stdout
        assert check(d / "t.hpt", "--max-leaked", "1K", "--max-lost", "0", "--min-score", "0").returncode == 0
        assert check(d / "t.hpt", "--min-score", "100").returncode == 1
        usage = check(d / "t.hpt", "--min-score", "101")
        assert usage.returncode == 2 and "--min-score takes a number from 0 to 100" in usage.stderr
        assert check(d / "t.hpt", "--max-regression", "5%").returncode == 2  # needs --baseline
        missing = check(d / "missing.hpt")
        assert missing.returncode == 1 and "missing.hpt" in missing.stderr
