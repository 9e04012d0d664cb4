"""test_top.py: `hookprof-analyze top` and `hookprof record --live`: frames of finished and running traces,
following a trace as it is written, the view in a real terminal (tmux), bad input.

The program watched is tests/programs/live_churn.c: STEPS steps of 50 temporary allocations of 100 bytes
and one kept block of 4096 bytes (keep_block), each step a call of the zone churn_step inside the zone
churn_loop, then exit(STATUS) with the kept blocks still allocated.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import hp

TEMPS = 50
TEMP_SIZE = 100
KEEP_SIZE = 4096
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def churn(status, steps, step_ms=10):
    return [hp.program("live_churn"), str(status), str(steps), str(step_ms)]


def fmt_bytes(n):
    """hp_fmt_bytes, to compare exact figures."""
    if n < 1024:
        return f"{n} B"
    v, unit = float(n), "B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        v /= 1024
        if v < 1024:
            break
    return f"{v:.1f} {unit}"


def to_bytes(text):
    value, unit = text.split()
    return float(value) * UNITS[unit]


def line(frame, prefix):
    found = [l for l in frame.splitlines() if l.startswith(prefix)]
    assert found, f"no line starting with {prefix!r}:\n{frame}"
    return found[0]


def row(frame, name):
    """The zone or site row whose name starts with `name`: (name, its four cells). A row is the name
    column, then four right-aligned columns of 10, the window's two and the totals, " | " between."""
    for l in frame.splitlines():
        if l.startswith(name):
            assert l[-24:-21] == " | ", l
            return l[:-46].rstrip(), [c.strip() for c in (l[-45:-35], l[-34:-24], l[-21:-11], l[-10:])]
    raise AssertionError(f"no row {name!r}:\n{frame}")


def heap_now(frame):
    """The heap line: live bytes and peak as printed ("1.2 MiB"), live blocks."""
    m = re.match(r"heap\s+(\S+ \S+) now, (\S+ \S+) peak, (\d+) live blocks", line(frame, "heap "))
    assert m, frame
    return m.group(1), m.group(2), int(m.group(3))


def elapsed(frame):
    m = re.search(r"elapsed (\S+) (s|ms|µs|ns)$", line(frame, "hookprof top:"))
    assert m, frame
    return float(m.group(1)) * {"s": 1, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}[m.group(2)]


def alloc_rate(frame):
    m = re.match(r"rate\s+(\S+) allocs/s", line(frame, "rate "))
    assert m, frame
    v = m.group(1)
    scale = {"k": 1e3, "M": 1e6, "G": 1e9}.get(v[-1], 1)
    return float(v.rstrip("kMG")) * scale


def check_final(frame, status, steps):
    """What live_churn is known to have done, in a frame of its finished trace."""
    assert re.match(rf"hookprof top: live_churn \(pid \d+\), exited with status {status}\s+elapsed ", frame), frame
    assert heap_now(frame)[2] == steps, frame
    assert f"heap      {fmt_bytes(steps * KEEP_SIZE)} now, {fmt_bytes(steps * KEEP_SIZE)} peak" in frame, frame
    allocs = steps * (TEMPS + 1)
    assert line(frame, "allocs ").startswith(
        f"allocs    {allocs} ({fmt_bytes(steps * (TEMPS * TEMP_SIZE + KEEP_SIZE))}), {steps * TEMPS} frees;"), frame
    assert ", 0 lost" in line(frame, "allocs "), frame
    name, cells = row(frame, "churn_step (live_churn.c:")
    assert cells[2] == str(steps), (name, cells)
    name, cells = row(frame, "churn_loop (live_churn.c:")
    assert cells[2] == "1", (name, cells)
    name, cells = row(frame, "keep_block (live_churn.c:")
    assert cells == [fmt_bytes(steps * KEEP_SIZE), str(steps), str(steps), fmt_bytes(steps * KEEP_SIZE)], cells
    assert "trace cut" not in frame


# ---- a finished trace ---------------------------------------------------------------------------

def test_once_on_a_finished_trace():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc, traces = hp.record(churn(3, 40, 5), output=out)
        assert proc.returncode == 3, proc.stderr
        frame = hp.analyze(["top", "--once", out])
        check_final(frame, 3, 40)
        # The loop's time: its steps sleep 5 ms each.
        time_cell = row(frame, "churn_loop (live_churn.c:")[1][3]
        value, unit = time_cell.split()
        secs = float(value) * {"s": 1, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}[unit]
        assert 40 * 0.005 <= secs < 40 * 0.005 * 10, frame
        # Off a terminal, plain `top` prints the same single frame; --top limits the rows.
        assert hp.analyze(["top", out]) == frame
        assert hp.analyze(["top", "--once", "--top", "1", out]).count("live_churn.c:") == 2, "one zone, one site"


def test_bad_input():
    with hp.tmpdir() as d:
        (d / "text.hpt").write_text("hello, this is not a trace\n")
        (d / "empty.hpt").write_bytes(b"")
        for args, status, fragments in (
                ([d / "missing.hpt"], 1, ["cannot open", "missing.hpt", "No such file or directory"]),
                ([d / "text.hpt"], 1, ["text.hpt", "not a hookprof trace"]),
                (["--once", d / "empty.hpt"], 1, ["empty.hpt", "empty file, not a trace"]),
                ([d], 1, ["Is a directory"]),
                ([], 2, ["no trace given"]),
                (["--interval", "0", d / "text.hpt"], 2, ["--interval"]),
                (["--once", "--wait", d / "text.hpt"], 2, ["--once and --wait"]),
                (["--bogus", d / "text.hpt"], 2, ["unknown option '--bogus'"])):
            proc = hp.run([hp.ANALYZE, "top", *args], timeout=20)
            assert proc.returncode == status, f"{args}: exit {proc.returncode}\n{proc.stderr}"
            first = proc.stderr.splitlines()[0]
            assert first.startswith("hookprof: "), proc.stderr
            for f in fragments:
                assert f in first, f"{f!r} not in {first!r}"
            if status == 1:
                assert len(proc.stderr.splitlines()) == 1 and proc.stdout == "", proc.stderr


def test_help():
    proc = hp.run([hp.ANALYZE, "top", "--help"])
    assert proc.returncode == 0 and proc.stdout.startswith("usage: hookprof-analyze top "), proc.stderr
    for option in ("--interval SEC", "--once", "--wait", "--top N"):
        assert option in proc.stdout, option
    assert re.search(r"^  top +", hp.run([hp.ANALYZE, "--help"]).stdout, re.M), "top in the command list"
    assert "  --live " in hp.run([hp.LAUNCHER, "--help"]).stdout


# ---- a trace being written, without a terminal -----------------------------------------------------

def wait_for_file(path, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.stat().st_size > 0):
        assert proc.poll() is None, "the recorded program ended early"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_follows_a_trace_being_written():
    """--once shows a running process; --wait returns only once it has ended, with its final state."""
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        steps = 150
        rec = subprocess.Popen([str(hp.LAUNCHER), "record", "-o", str(out), "--", *map(str, churn(4, steps))],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_file(out, rec)
            waiter = subprocess.Popen([str(hp.ANALYZE), "top", "--wait", str(out)], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            time.sleep(0.8)
            running = hp.analyze(["top", "--once", out])
            assert re.match(r"hookprof top: live_churn \(pid \d+\), running", running), running
            now, _, blocks = heap_now(running)
            assert 0 < blocks < steps and now == fmt_bytes(blocks * KEEP_SIZE), running
            assert alloc_rate(running) > 0, running
            assert waiter.poll() is None, "--wait returned before the program ended"
            _, err = rec.communicate(timeout=20)
            assert rec.returncode == 4, err
            frame, err = waiter.communicate(timeout=10)
            assert waiter.returncode == 0, err
        finally:
            for p in (rec,):
                if p.poll() is None:
                    p.kill()
        check_final(frame, 4, steps)
        assert frame == hp.analyze(["top", "--once", out]), "the final frame is the finished trace's"


def test_live_without_a_terminal():
    """record --live with no terminal: the program's output and status are its own, the final frame
    follows on stdout, and signals to the launcher still reach the program."""
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc, traces = hp.record(churn(3, 30, 5), output=out, options=["--live"])
        assert proc.returncode == 3, proc.stderr
        assert traces == [out], proc.stderr
        check_final(proc.stdout, 3, 30)
        proc, _ = hp.record([hp.program("ends_as"), "argv", "x"], output=out, options=["--live"])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"{hp.program('ends_as')}\nargv\nx\nhookprof top: ends_as"), proc.stdout

        p = subprocess.Popen([str(hp.LAUNCHER), "record", "--live", "-o", str(out), "--",
                              *map(str, churn(0, 100000, 10))],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_file(out, p)
            time.sleep(0.5)
            p.send_signal(signal.SIGTERM)
            frame, err = p.communicate(timeout=15)
        finally:
            if p.poll() is None:
                p.kill()
        assert p.returncode == 128 + signal.SIGTERM, err
        assert "killed by signal 15" in line(frame, "hookprof top:"), frame


def test_live_follows_exec():
    """A program that execs another (env here): the view goes on into the new image's trace."""
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc, traces = hp.record(["env", "HP_X=1", *churn(3, 30, 5)], output=out, options=["--live"])
        assert proc.returncode == 3, proc.stderr
        assert len(traces) == 2 and traces[0] == out, proc.stderr
        check_final(proc.stdout, 3, 30)
        # The first trace on its own: env's, which says where its program went.
        first = hp.analyze(["top", "--once", out])
        assert re.match(r"hookprof top: env \(pid \d+\), replaced by exec", first), first
        assert first.rstrip().endswith(f"the program it exec'd is in {traces[1]}"), first
        check_final(hp.analyze(["top", "--once", traces[1]]), 3, 30)


# ---- the view in a terminal ----------------------------------------------------------------------

# Runs in the tmux pane: the launcher with SIGINT restored (Ctrl-C must reach it as in a shell), then its
# status and the terminal's modes afterwards, then waits to be killed with the tmux server.
PANE = r'''
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
status_file, stty_file = sys.argv[1], sys.argv[2]
proc = subprocess.run(sys.argv[3:], preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
status = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
with open(stty_file, "w") as f:
    subprocess.run(["stty", "-a"], stdout=f)
with open(status_file + ".tmp", "w") as f:
    f.write(str(status))
import os; os.rename(status_file + ".tmp", status_file)
time.sleep(60)
'''


class Pane:
    """A detached tmux session of a fixed size on its own socket, running the launcher with `args`
    (or, with `command`, that command)."""

    def __init__(self, d, args, command=hp.LAUNCHER):
        if not shutil.which("tmux"):
            raise hp.Skip("tmux is not installed")
        self.socket = f"hp-test-{os.getpid()}"
        self.status = d / "status"
        self.stty = d / "stty"
        (d / "pane.py").write_text(PANE)
        self.tmux("new-session", "-d", "-x", "100", "-y", "30", "-s", "top",
                  sys.executable, str(d / "pane.py"), str(self.status), str(self.stty),
                  str(command), *map(str, args))

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=10, stdin=subprocess.DEVNULL)

    def capture(self):
        proc = self.tmux("capture-pane", "-p", "-t", "top")
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def wait_for(self, pattern, seconds=10):
        deadline = time.monotonic() + seconds
        while True:
            screen = self.capture()
            # A long line the terminal wrapped: mid-word (joined as it is), or at a space that the
            # capture drops as trailing (joined with one).
            joined = (screen, screen.replace("\n", ""), screen.replace("\n", " "))
            if any(re.search(pattern, text) for text in joined):
                return screen
            assert time.monotonic() < deadline, f"no {pattern!r} on the screen:\n{screen}"
            time.sleep(0.1)

    def exit_status(self, seconds=15):
        deadline = time.monotonic() + seconds
        while not self.status.exists():
            assert time.monotonic() < deadline, f"the launcher did not exit:\n{self.capture()}"
            time.sleep(0.1)
        return int(self.status.read_text())

    def assert_restored(self):
        """Line editing and echo back on, the cursor shown."""
        modes = self.stty.read_text().split()
        assert "icanon" in modes and "echo" in modes, " ".join(modes)
        cursor = self.tmux("display-message", "-p", "-t", "top", "#{cursor_flag}").stdout.strip()
        assert cursor == "1", f"cursor_flag {cursor!r}"

    def close(self):
        self.tmux("kill-server")


@hp.timeout(30)
def test_live_view_in_a_terminal():
    steps = 300
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        pane = Pane(d, ["record", "--live", "-o", out, "--", *churn(3, steps)])
        try:
            frames = []
            start = time.monotonic()
            while time.monotonic() - start < 10 and not pane.status.exists():
                screen = pane.capture()
                if "live_churn" in screen and ", running" in screen and "churn_step" in screen:
                    frames.append(screen)
                time.sleep(0.3)
            status = pane.exit_status()
            final = pane.capture()
            assert status == 3, final
            pane.assert_restored()
        finally:
            pane.close()
    assert len(frames) >= 3, f"{len(frames)} frames of the running program"
    for screen in frames:
        lines = screen.splitlines()
        assert len(lines) <= 30 and max(map(len, lines)) <= 100, screen
        assert "q: quit" in screen, screen
        assert row(screen, "churn_loop (live_churn.c:")[1][2] == "1", screen
        # The live heap is the kept blocks, one per step of at least 10 ms.
        now, peak, blocks = heap_now(screen)
        assert now == fmt_bytes(blocks * KEEP_SIZE) and to_bytes(peak) >= to_bytes(now), screen
        assert 0 <= blocks <= min(steps, elapsed(screen) / 0.010 + 1), screen
    # The frames come as the program runs: its heap grows from one to the next, at a non-zero rate.
    assert heap_now(frames[-1])[2] > heap_now(frames[0])[2], f"{frames[0]}\n{frames[-1]}"
    assert alloc_rate(frames[-1]) > 0, frames[-1]
    # The final frame stays, and the launcher's own lines follow it.
    frame = final[:final.index("hookprof: trace written to")]
    check_final(frame, 3, steps)
    assert "q: quit" not in frame


@hp.timeout(30)
def test_q_closes_the_view_only():
    with hp.tmpdir() as d:
        pane = Pane(d, ["record", "--live", "-o", d / "t.hpt", "--", *churn(5, 200)])
        try:
            pane.wait_for(r"live_churn \(pid \d+\), running")
            pane.tmux("send-keys", "-t", "top", "q")
            pane.wait_for(r"live view closed; .*live_churn \(pid \d+\) is still running")
            assert pane.exit_status() == 5, pane.capture()
            screen = pane.capture()
            pane.assert_restored()
        finally:
            pane.close()
    assert re.search(r"live_churn \(pid \d+\), running", screen), "the last frame stays"
    assert "hookprof: trace written to" in screen, screen


@hp.timeout(30)
def test_top_alone_in_a_terminal():
    """On a finished trace the view shows its final state, stays on the screen, and gives the terminal
    back itself (the launcher also restores it after a view that could not)."""
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc, _ = hp.record(churn(6, 20, 1), output=out)
        assert proc.returncode == 6, proc.stderr
        pane = Pane(d, ["top", out], command=hp.ANALYZE)
        try:
            assert pane.exit_status() == 0, pane.capture()
            screen = pane.capture()
            pane.assert_restored()
        finally:
            pane.close()
    check_final(screen, 6, 20)
    assert max(map(len, screen.splitlines())) == 100, "as wide as the terminal"
