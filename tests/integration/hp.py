"""hp.py: helpers for the integration tests: where the build is, running the launcher and the analyzer.

The runner (run.py) sets HP_BUILD to the build directory; without it, ./build of the source tree.
The launcher is pointed at the same build through HOOKPROF_BUILD_DIR, so that a test run against
build-asan uses build-asan's library and analyzer.
"""
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = Path(os.environ.get("HP_BUILD") or ROOT / "build").resolve()
LAUNCHER = BUILD / "hookprof"
LIB = BUILD / "libhookprof.so"
ANALYZE = BUILD / "hookprof-analyze"
PROGRAMS = BUILD / "tests" / "programs"

os.environ["HOOKPROF_BUILD_DIR"] = str(BUILD)


class Skip(Exception):
    """Raised by a test that cannot run here; the message says why."""


def timeout(seconds):
    """Decorator: this test may take `seconds` instead of the runner's default."""
    def mark(func):
        func.hp_timeout = seconds
        return func
    return mark


def program(name):
    """Path of a test program built from tests/programs/<name>.c (.cc); `make programs` builds them."""
    path = PROGRAMS / name
    assert path.exists(), f"{path} is missing: run make programs"
    return path


def run(cmd, env=None, timeout=60, cwd=None, input=None):
    """Runs cmd (a list) and returns the CompletedProcess, text stdout and stderr captured.

    env: variables to set on top of os.environ (a value of None removes one). Never raises on a
    non-zero exit status: tests check returncode themselves."""
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = str(value)
    return subprocess.run([str(c) for c in cmd], env=full_env, timeout=timeout, cwd=cwd,
                          input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=None if input is not None else subprocess.DEVNULL)


# valgrind's leak summary lines and the kinds hookprof reports them as.
MEMCHECK_KINDS = (("definitely lost", "definite"), ("indirectly lost", "indirect"), ("possibly lost", "possible"),
                  ("still reachable", "reachable"))


def memcheck_summaries(stderr):
    """{pid: {kind: (bytes, blocks)}} of valgrind's summary of each process in its stderr (it follows a
    forked child of the same program on its own); a kind it does not print is (0, 0) (no leak
    summary at all when every block was freed)."""
    found = {}
    for pid, summary in re.findall(r"==(\d+)== HEAP SUMMARY:(.*?)ERROR SUMMARY", stderr, re.S):
        kinds = {}
        for name, kind in MEMCHECK_KINDS:
            m = re.search(name + r": ([\d,]+) bytes in ([\d,]+) blocks", summary)
            kinds[kind] = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))) if m else (0, 0)
        found[int(pid)] = kinds
    return found


def record(argv, output, extra_env=None, options=(), cwd=None, timeout=60):
    """Records argv through the launcher (`hookprof record [options] -o OUTPUT -- argv`).

    Returns (CompletedProcess, trace paths): reported_traces of its stderr."""
    proc = run([LAUNCHER, "record", *options, "-o", output, "--", *argv], env=extra_env, timeout=timeout,
               cwd=cwd)
    return proc, reported_traces(proc.stderr, cwd)


def record_spawned_run(d):
    """rec_spawn's run of six processes (rec_spawn, two shells, three rec_target) recorded into d;
    its trace paths, the root's first."""
    proc, traces = record([program("rec_spawn"), program("rec_target")], output=d / "s.hpt")
    assert proc.returncode == 0, proc.stderr
    return traces


def reported_traces(stderr, cwd=None):
    """The trace paths the launcher reported on stderr ("trace written to" lines, or "incomplete trace
    at PATH (WHY)"), the root trace first, relative paths taken from cwd (default: the current
    directory)."""
    base = Path(cwd) if cwd else Path.cwd()
    traces = []
    for line in stderr.splitlines():
        if line.startswith("hookprof: ") and "trace written to " in line:
            traces.append(base / line.split("trace written to ", 1)[1])
        elif line.startswith("hookprof: incomplete ") and " at " in line:  # "... at PATH (WHY)"
            traces.append(base / line.split(" at ", 1)[1].rsplit(" (", 1)[0])
    return traces


def analyze(args, timeout=120, cwd=None):
    """Runs hookprof-analyze with args and returns its stdout; fails the test on a non-zero exit."""
    proc = run([ANALYZE, *args], timeout=timeout, cwd=cwd)
    assert proc.returncode == 0, (f"hookprof-analyze {' '.join(map(str, args))}: exit {proc.returncode}\n"
                                  f"{proc.stderr}")
    return proc.stdout


def report_json(trace, *options):
    """The report of a trace as parsed JSON (`hookprof-analyze report --format json`)."""
    return json.loads(analyze(["report", "--format", "json", *options, trace]))


def dump(trace):
    """The decoded records of a trace, one dict per line of `hookprof-analyze dump --json`
    (keys: docs/dump-format.md)."""
    return [json.loads(line) for line in analyze(["dump", "--json", trace]).splitlines() if line.strip()]


@contextlib.contextmanager
def tmpdir():
    """A fresh directory for one test, removed afterwards unless HP_KEEP_TMP=1 (then printed)."""
    path = Path(tempfile.mkdtemp(prefix="hp-test-")).resolve()
    try:
        yield path
    finally:
        if os.environ.get("HP_KEEP_TMP") == "1":
            print(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)
