"""real_program.py: runs a program nobody here wrote three ways (natively, under the launcher, under
valgrind's memcheck) and compares the runs; the helpers of test_real_programs.py.

Each run gets exactly the environment it is given (nothing inherited from the test's own), in a
session of its own, with a time limit: a run still going after it is killed with every process it
started and fails the test as a hang. The limits detect hangs, they time nothing: each program here
takes well under a second natively.

The three programs see environments of the same shape. Each tool adds variables: the launcher
LD_PRELOAD, HOOKPROF_OUTPUT and PWD (as a shell sets it; the HOOKPROF_BUILD_DIR the tests give it
goes on too); Debian's valgrind wrapper LD_PRELOAD, LD_LIBRARY_PATH, GLIBCXX_FORCE_NEW and
GLIBCPP_FORCE_NEW (a shell script, it also sets PWD). A program that copies its environment (python's
os.environ, perl's %ENV, git) allocates per variable, and python keeps one-character strings as shared
constants, so each run gets, for every variable another tool adds, a stand-in: a variable whose name
and value have the same lengths (a one-character value is kept as it is). What each tool adds is
measured, not assumed: `env -0` is run under each first.

Valgrind counts what its own "total heap usage" line says, per process (--trace-children, a log per
pid), with two of its habits turned off: at exit it frees glibc's and libstdc++'s internal memory
itself (__libc_freeres, __gnu_cxx::__freeres), frees the program never makes
(--run-libc-freeres=no --run-cxx-freeres=no).
"""
import ctypes
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import hp

NATIVE_LIMIT = 30
RECORDED_LIMIT = 60
VALGRIND_LIMIT = 180

VALGRIND = ["--tool=memcheck", "--trace-children=yes", "--run-libc-freeres=no", "--run-cxx-freeres=no",
            # Counting needs neither definedness tracking nor a leak search; both cost time.
            "--undef-value-errors=no", "--leak-check=no"]


def need(command):
    """The path of command on PATH (or an absolute path that exists). Skips the test when missing,
    which fails it under CI: scripts/install-test-deps installs every command named here."""
    path = shutil.which(command)
    if not path:
        raise hp.Skip(f"{command} is not installed (scripts/install-test-deps installs it)")
    return path


ADDR_NO_RANDOMIZE = 0x0040000  # personality(2)


def fixed_layout():
    """In the child before exec: no address-space randomisation, as under valgrind. Some programs
    allocate according to where their memory lands: pymalloc adds a node to its arena map for each
    2 GiB region its arenas reach, so with random bases python3 made one allocation more in a few
    runs in a hundred (the recorder's own mappings sit between its arenas)."""
    libc = ctypes.CDLL(None, use_errno=True)
    current = libc.personality(0xffffffff)
    if current != -1:
        libc.personality(current | ADDR_NO_RANDOMIZE)


def limited(argv, env, limit, cwd=None, input=None):
    """Runs argv with exactly env (a dict) in a session of its own, without address-space
    randomisation (fixed_layout); returns (CompletedProcess with text stdout and stderr, seconds).
    Fails the test when the run has not ended after limit seconds."""
    start = time.monotonic()
    proc = subprocess.Popen([str(a) for a in argv], env=env, cwd=cwd, text=True, start_new_session=True,
                            preexec_fn=fixed_layout,
                            stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(input, timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # a process that left the session still holds a pipe
            out, err = "", ""
        raise AssertionError(f"{' '.join(map(str, argv))}: still running after {limit} s, killed "
                             f"(a hang)\nstderr so far:\n{(err or '')[-3000:]}") from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), time.monotonic() - start


def added(seen, base):
    """The variables of `seen` that `base` does not have with the same value."""
    return {k: v for k, v in seen.items() if base.get(k) != v}


def stand_ins(variables, tag):
    """For each variable, one named TAG<n> padded with '_' to the same length (longer when the name
    is shorter than that), with a value of as many 'x' (a value of one character is kept)."""
    out = {}
    for n, (key, value) in enumerate(sorted(variables.items())):
        name = f"{tag}{n}".ljust(len(key), "_")
        out[name] = value if len(value) == 1 else "x" * len(value)
    return out


class Process:
    """One process of a run as a counter saw it: pid, ppid, argv, allocs, frees; for hookprof also the
    trace and its report's summary."""

    def __init__(self, pid, ppid, argv, allocs, frees, trace=None, summary=None):
        self.pid, self.ppid, self.argv = pid, ppid, argv
        self.allocs, self.frees = allocs, frees
        self.trace, self.summary = trace, summary

    def key(self):
        """What identifies the process across runs (pids differ): its program's name and arguments,
        control characters as valgrind's log shows them ('_')."""
        return tuple(re.sub(r"[\x00-\x1f\x7f]", "_", arg)
                     for arg in [os.path.basename(self.argv[0]), *self.argv[1:]])

    def __repr__(self):
        return f"{' '.join(self.argv)} [{self.pid}]: {self.allocs} allocs, {self.frees} frees"


def forked_copies(processes):
    """The processes that are a fork of a process of the same run which never exec'd (a subshell):
    their parent has the same arguments. Valgrind's count for them includes what the parent had
    allocated before the fork (its counters are copied with the process); the recorder's trace of
    such a child starts at the fork."""
    by_pid = {p.pid: p for p in processes}
    return [p for p in processes if p.ppid in by_pid and by_pid[p.ppid].argv == p.argv]


class RealRun:
    """A program run natively, under the launcher and under valgrind, in environments alike, built
    from `env`. cwds: the directory of each run (native, hookprof, valgrind), for a program that
    changes its directory (each then gets a copy laid out alike, at a path of the same length);
    tmp for all three by default."""

    def __init__(self, tmp, env, cwds=None):
        self.tmp = Path(tmp)
        self.cwds = cwds or (self.tmp,) * 3
        self.trace = self.tmp / "hookprof" / "run.hpt"
        self.vglogs = self.tmp / "valgrind"
        self.trace.parent.mkdir(exist_ok=True)
        self.vglogs.mkdir(exist_ok=True)
        self.launcher_env = dict(env, HOOKPROF_BUILD_DIR=str(hp.BUILD))
        self.native_env, self.valgrind_env = self._alike_environments(env)

    def _alike_environments(self, base):
        """The native and valgrind environments; the launcher's gets its stand-ins too."""
        env_prog = need("env")
        proc, _ = self._record([env_prog, "-0"])
        by_hookprof = added(self._seen(proc, "hookprof"), base)
        proc, _ = limited(["valgrind", "-q", *VALGRIND, "--log-fd=2", env_prog, "-0"], base, VALGRIND_LIMIT,
                          cwd=self.cwds[2])
        by_valgrind = added(self._seen(proc, "valgrind"), base)
        for_hookprof, for_valgrind = stand_ins(by_hookprof, "H"), stand_ins(by_valgrind, "V")
        self.launcher_env.update(for_valgrind)
        return dict(base, **for_hookprof, **for_valgrind), dict(base, **for_hookprof)

    def _seen(self, proc, what):
        assert proc.returncode == 0, f"env under {what}: exit {proc.returncode}\n{proc.stderr}"
        return dict(item.split("=", 1) for item in proc.stdout.split("\0") if item)

    def _record(self, argv, input=None):
        return limited([hp.LAUNCHER, "record", "-o", self.trace, "--", *argv], self.launcher_env,
                       RECORDED_LIMIT, cwd=self.cwds[1], input=input)

    def native(self, argv, input=None):
        """(CompletedProcess, seconds) of the native run."""
        return limited(argv, self.native_env, NATIVE_LIMIT, cwd=self.cwds[0], input=input)

    def recorded(self, argv, input=None):
        """(CompletedProcess, seconds, [Process]) of the run under the launcher, one Process per trace
        (allocs and frees from the report's summary), the root first. The program's stderr is in the
        CompletedProcess's, followed by the launcher's lines."""
        proc, seconds = self._record(argv, input)
        traces = hp.reported_traces(proc.stderr, self.cwds[1])
        assert traces, f"the launcher reported no trace:\n{proc.stderr}"
        processes = []
        for trace in traces:
            report = hp.report_json(trace, "--no-children", "--top", "0", "--no-builtin-suppressions", "all")
            s = report["summary"]
            processes.append(Process(s["pid"], s["ppid"], s["argv"], s["allocations"], s["frees"], trace, s))
        return proc, seconds, processes

    def valgrind(self, argv, input=None):
        """(CompletedProcess, seconds, [Process]) of the run under valgrind, one Process per process
        that printed a heap summary (one that exec'd has none: its image went on in the same pid)."""
        for old in self.vglogs.iterdir():
            old.unlink()
        proc, seconds = limited(["valgrind", *VALGRIND, f"--log-file={self.vglogs}/%p.%n", *argv],
                                self.valgrind_env, VALGRIND_LIMIT, cwd=self.cwds[2], input=input)
        processes = [p for p in map(parse_valgrind_log, sorted(self.vglogs.iterdir())) if p]
        assert processes, f"valgrind printed no heap summary:\n{proc.stderr}"
        return proc, seconds, processes


def unescape_command(text):
    """valgrind's "Command:" line back to argv: arguments are separated by spaces, and spaces and
    backslashes inside an argument are escaped with a backslash."""
    argv, current, escaped = [], "", False
    for ch in text:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == " ":
            argv.append(current)
            current = ""
        else:
            current += ch
    return argv + [current]


def parse_valgrind_log(path):
    """A Process from one valgrind log file, or None when it has no heap summary."""
    text = path.read_text(errors="replace")
    heap = re.search(r"==(\d+)==\s+total heap usage: ([\d,]+) allocs, ([\d,]+) frees", text)
    if not heap:
        return None
    command = re.search(r"==\d+== Command: (.*)", text)
    parent = re.search(r"==\d+== Parent PID: (\d+)", text)
    number = lambda s: int(s.replace(",", ""))
    return Process(int(heap.group(1)), int(parent.group(1)) if parent else 0,
                   unescape_command(command.group(1)), number(heap.group(2)), number(heap.group(3)))


def matched(recorded, valgrind):
    """Pairs (hookprof Process, valgrind Process) of the same program and arguments, for the
    processes whose counts are comparable: ended by exit or a signal (an image that exec'd has no
    valgrind summary), and not a forked copy (see forked_copies). Fails unless every comparable
    process of one run has its counterpart in the other."""
    ended = [p for p in recorded if p.summary.get("end_how") != "exec"]
    hp_copies, vg_copies = forked_copies(recorded), forked_copies(valgrind)
    assert len([p for p in ended if p in hp_copies]) == len(vg_copies), \
        f"forked copies: hookprof {hp_copies}, valgrind {vg_copies}"
    mine = sorted((p for p in ended if p not in hp_copies), key=lambda p: (p.key(), p.allocs))
    theirs = sorted((p for p in valgrind if p not in vg_copies), key=lambda p: (p.key(), p.allocs))
    assert [p.key() for p in mine] == [p.key() for p in theirs], \
        f"processes differ:\nhookprof: {mine}\nvalgrind: {theirs}"
    return list(zip(mine, theirs))
