"""test_launcher_analyze.py: the analyzer subcommands through the launcher: every one the README lists
runs, an argument that is not a trace is an error with nothing else run, a near-miss gets "did you mean"."""
import re

import hp


def launcher(args, **kw):
    return hp.run([hp.LAUNCHER, *args], **kw)


def readme_subcommands():
    """The commands of the README's table of hookprof-analyze commands (`| `report` | ... |`)."""
    text = (hp.ROOT / "README.md").read_text()
    table = text.split("| command | what it does |", 1)[1].split("\n\n", 1)[0]
    names = [m.group(1).split()[0] for m in re.finditer(r"^\| `([^`]+)` \|", table, re.M)]
    assert len(names) >= 8, names
    return names


def test_every_readme_subcommand_runs_through_the_launcher():
    for name in readme_subcommands():
        proc = launcher([name, "--help"])
        assert proc.returncode == 0, f"hookprof {name} --help: exit {proc.returncode}\n{proc.stderr}"
        assert "usage" in proc.stdout.lower(), f"hookprof {name} --help printed no usage:\n{proc.stdout}"
    # probe takes a program, never a trace: the launcher adds none.
    with hp.tmpdir() as d:
        hp.record([hp.program("ends_as"), "status", "0"], output=d / "some.hpt")
        proc = launcher(["probe", hp.program("ends_as")], cwd=d)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "dynamic\n", "")


def test_an_argument_that_is_not_a_trace_is_an_error_alone():
    with hp.tmpdir() as d:
        hp.record([hp.program("ends_as"), "status", "0"], output=d / "other.hpt")
        (d / "notes.txt").write_text("not a trace\n")
        for args in (["report", "notes.txt"], ["leaks", "notes.txt"], ["dump", "notes.txt"],
                     ["export", "--format", "folded", "notes.txt"], ["check", "notes.txt"],
                     ["top", "--once", "notes.txt"], ["report", "--top", "5", "missing-trace"]):
            proc = launcher(args, cwd=d)
            assert proc.returncode != 0, f"{args}: exit 0\n{proc.stdout}"
            # dump ends with its status line (docs/dump-format.md), whatever happened.
            out = proc.stdout if args[0] != "dump" else re.sub(r"^status: .* errors 1\n$", "", proc.stdout)
            assert out == "", f"{args}: something was reported:\n{proc.stdout}"
            lines = proc.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("hookprof: "), f"{args}:\n{proc.stderr}"
            assert "other.hpt" not in proc.stderr, f"{args}: another trace was read:\n{proc.stderr}"
        # A trace named without the .hpt suffix is used as it is, options and all.
        (d / "mytrace").write_bytes((d / "other.hpt").read_bytes())
        proc = launcher(["export", "--format", "folded", "--cost", "allocs", "mytrace"], cwd=d)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == hp.analyze(["export", "--format", "folded", "--cost", "allocs", "mytrace"], cwd=d)
        assert "one trace at a time" not in proc.stderr


def test_a_mistyped_subcommand_gets_did_you_mean():
    with hp.tmpdir() as d:
        for typo, meant in (("reprot", "report"), ("leak", "leaks"), ("exprot", "export"), ("chekc", "check"),
                            ("dmup", "dump"), ("recrod", "record")):
            proc = launcher([typo, "x.hpt"], cwd=d)
            assert proc.returncode == 127, f"{typo}: exit {proc.returncode}\n{proc.stderr}"
            assert proc.stderr == (f"hookprof: {typo}: command not found; did you mean 'hookprof {meant}'?\n"), \
                proc.stderr
        # Far from every subcommand: no suggestion.
        proc = launcher(["hookprof-no-such-command"], cwd=d)
        assert proc.stderr == "hookprof: hookprof-no-such-command: command not found\n", proc.stderr
