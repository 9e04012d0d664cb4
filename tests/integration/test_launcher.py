"""test_launcher.py: hookprof (the launcher, launcher/): its errors and exit codes, options, signals, and the analyzer commands it runs."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import hp


def launcher(args, **kw):
    return hp.run([hp.LAUNCHER, *args], **kw)


def assert_error(proc, status, *fragments):
    """The launcher failed with `status` and one error line mentioning every fragment."""
    assert proc.returncode == status, f"exit {proc.returncode}, expected {status}\n{proc.stderr}"
    lines = [l for l in proc.stderr.splitlines() if l.startswith("hookprof: ")]
    assert len(lines) == 1, f"expected one error line:\n{proc.stderr}"
    for f in fragments:
        assert f in lines[0], f"'{f}' not in: {lines[0]}"


def dynamic_copy(directory, name="prog"):
    """A private copy of ends_as (dynamically linked), to change its mode bits."""
    dst = Path(directory) / name
    shutil.copy(hp.program("ends_as"), dst)
    return dst


# ---- usage ---------------------------------------------------------------------------------------

def test_help():
    proc = launcher(["--help"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: hookprof")
    for option in ("-o, --output PATH", "--depth N", "--no-stacks", "--interval MS", "--follow",
                   "--no-follow", "--quiet", "--help", "--version"):
        assert option in proc.stdout, option
    for sub in ("record", "report", "leaks", "diff", "export", "check", "top", "dump"):
        assert sub in proc.stdout, sub
    assert launcher(["record", "--help"]).stdout == proc.stdout


def test_no_arguments_is_a_usage_error():
    proc = launcher([])
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: hookprof")
    assert proc.stdout == ""


def test_version():
    for args in (["--version"], ["record", "--version"]):
        proc = launcher(args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "hookprof 0.1.0\n"


def test_bad_options():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        assert_error(launcher(["record", "--bogus", "true"]), 2, "unknown option '--bogus'")
        assert_error(launcher(["record", "--depth", "300", "true"]), 2, "--depth", "0..256", "'300'")
        assert_error(launcher(["record", "--depth", "x", "true"]), 2, "--depth")
        assert_error(launcher(["record", "--interval", "0", "true"]), 2, "--interval", "1..60000")
        assert_error(launcher(["record", "-o"]), 2, "'-o' needs a value")
        assert_error(launcher(["record", "-o", str(out)]), 2, "no command to record")
        assert not out.exists()


# ---- commands that cannot be recorded ------------------------------------------------------------

def test_command_not_found():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc = launcher(["record", "-o", out, "--", "hookprof-no-such-command"], cwd=d)
        assert_error(proc, 127, "hookprof-no-such-command: command not found")
        proc = launcher(["-o", out, "./missing"], cwd=d)
        assert_error(proc, 127, "./missing: No such file or directory")
        assert not out.exists()
        # PATH is searched like the shell does: a name found in PATH runs.
        proc = launcher(["record", "-o", out, "--", "ends_as", "status", "0"],
                        env={"PATH": f"{hp.PROGRAMS}:{os.environ.get('PATH', '')}"}, cwd=d)
        assert proc.returncode == 0, proc.stderr
        assert out.exists()


def test_not_executable():
    with hp.tmpdir() as d:
        prog = dynamic_copy(d)
        prog.chmod(0o644)
        out = d / "t.hpt"
        assert_error(launcher(["record", "-o", out, prog]), 126, f"{prog}: Permission denied")
        assert_error(launcher(["record", "-o", out, d]), 126, f"{d}: Is a directory")
        # Found in PATH but not executable: the shell says permission denied too.
        path = f"{d}:{os.environ.get('PATH', '')}"
        assert_error(launcher(["record", "-o", out, "prog"], env={"PATH": path}), 126, "prog: Permission denied")
        assert not out.exists()


def build_static(directory, flag):
    """Builds a static program with `cc flag`; None when this machine cannot (no libc.a)."""
    if not shutil.which("cc"):
        return None
    libc_a = subprocess.run(["cc", "-print-file-name=libc.a"], stdout=subprocess.PIPE, text=True).stdout.strip()
    if not os.path.isabs(libc_a) or not os.path.exists(libc_a):
        return None
    src = Path(directory) / "static.c"
    src.write_text('#include <stdlib.h>\nint main(void) { free(malloc(10)); return 0; }\n')
    exe = Path(directory) / ("static" + flag.replace("-", "_"))
    proc = subprocess.run(["cc", flag, "-o", str(exe), str(src)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    assert proc.returncode == 0 or flag != "-static", f"cc -static failed although libc.a is here:\n{proc.stdout}"
    return exe if proc.returncode == 0 else None


def test_static_binary():
    with hp.tmpdir() as d:
        exe = build_static(d, "-static")
        if exe is None:
            raise hp.Skip("no libc.a: cannot build a static program (install libc6-dev)")
        out = d / "t.hpt"
        assert_error(launcher(["record", "-o", out, exe]), 126, str(exe), "statically linked")
        assert_error(launcher(["-o", out, exe]), 126, "statically linked")
        assert not out.exists()
        pie = build_static(d, "-static-pie")
        if pie is not None:
            assert_error(launcher(["record", "-o", out, pie]), 126, "statically linked (static-pie)")


def test_probe_kinds():
    with hp.tmpdir() as d:
        script = d / "script"
        script.write_text("#!/bin/sh -e\necho hi\n")
        text = d / "text"
        text.write_text("echo hi\n")
        cases = [(hp.program("ends_as"), "dynamic"), (script, "script /bin/sh"), (text, "not-elf")]
        exe = build_static(d, "-static")
        if exe is not None:
            cases.append((exe, "static"))
        pie = build_static(d, "-static-pie")
        if pie is not None:
            cases.append((pie, "static-pie"))
        for path, kind in cases:
            assert hp.analyze(["probe", path]).strip() == kind, path
        for bad in (d / "missing", d):
            proc = hp.run([hp.ANALYZE, "probe", bad])
            assert proc.returncode == 1 and proc.stdout == "", proc
            assert proc.stderr.startswith("hookprof: ") and proc.stderr.count("\n") == 1, proc.stderr


def foreign_owner_copy(directory, bit):
    """A program with the setuid (bit 'u') or setgid ('g') bit, owned by another user or group.

    As root: a copy given to nobody/nogroup. Otherwise: a setuid/setgid program of the system."""
    if os.geteuid() == 0:
        prog = dynamic_copy(directory, "setid")
        if bit == "u":
            os.chown(prog, 65534, -1)  # chown clears the bit: set it afterwards
            prog.chmod(0o4755)
        else:
            os.chown(prog, -1, 65534)
            prog.chmod(0o2755)
        return prog
    flag, owner = (0o4000, os.getuid) if bit == "u" else (0o2000, os.getgid)
    for cand in ("/usr/bin/passwd", "/usr/bin/su", "/usr/bin/chsh", "/usr/bin/mount", "/usr/bin/expiry",
                 "/usr/bin/chage", "/usr/bin/wall", "/usr/sbin/unix_chkpwd"):
        try:
            st = os.stat(cand)
        except OSError:
            continue
        if st.st_mode & flag and (st.st_uid if bit == "u" else st.st_gid) != owner():
            return Path(cand)
    raise hp.Skip(f"not root and no set{bit}id program of another owner on this system")


def test_setuid_binary():
    with hp.tmpdir() as d:
        prog = foreign_owner_copy(d, "u")
        out = d / "t.hpt"
        assert_error(launcher(["record", "-o", out, prog, "status", "0"]), 126, str(prog), "setuid",
                     "LD_PRELOAD")
        assert not out.exists()


def test_setgid_binary():
    with hp.tmpdir() as d:
        prog = foreign_owner_copy(d, "g")
        out = d / "t.hpt"
        assert_error(launcher(["record", "-o", out, prog, "status", "0"]), 126, str(prog), "setgid")
        assert not out.exists()


def test_setuid_of_own_user_is_recorded():
    """A setuid program owned by the caller runs without secure-execution mode: LD_PRELOAD works."""
    with hp.tmpdir() as d:
        prog = dynamic_copy(d)
        prog.chmod(0o4755)
        proc, traces = hp.record([prog, "status", "0"], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        assert traces == [d / "t.hpt"] and traces[0].stat().st_size > 0


def test_script_interpreter():
    with hp.tmpdir() as d:
        bad = d / "bad"
        bad.write_text("#!/nonexistent/interpreter\n")
        bad.chmod(0o755)
        assert_error(launcher(["record", "-o", d / "t.hpt", bad]), 126, "bad interpreter /nonexistent/interpreter")
        good = d / "good"
        good.write_text(f"#!/bin/sh\nexec {hp.program('ends_as')} status 5\n")
        good.chmod(0o755)
        proc, traces = hp.record([good], output=d / "t.hpt")
        assert proc.returncode == 5, proc.stderr
        assert traces and traces[0] == d / "t.hpt" and traces[0].exists()


def test_output_not_writable():
    with hp.tmpdir() as d:
        marker = d / "ran"
        regular = d / "file"
        regular.write_text("")
        cmd = ["sh", "-c", f"touch {marker}"]
        # Fails for root too: a path under a regular file, under a missing directory, a directory.
        assert_error(launcher(["record", "-o", regular / "t.hpt", "--", *cmd]), 2, "is not a directory")
        assert_error(launcher(["record", "-o", d / "missing" / "t.hpt", "--", *cmd]), 2, "does not exist")
        assert_error(launcher(["record", "-o", d, "--", *cmd]), 2, "is a directory")
        assert not marker.exists(), "the program must not run when its trace cannot be written"


# ---- running -------------------------------------------------------------------------------------

END_EXIT, END_SIGNAL = 0, 1  # enum hpt_end_how


def test_exit_status_passes_through():
    """The launcher exits like the program, and the trace says how the program ended."""
    with hp.tmpdir() as d:
        for args, status, end in ((["status", "0"], 0, (END_EXIT, 0)), (["status", "3"], 3, (END_EXIT, 3)),
                                  (["signal", "TERM"], 143, (END_SIGNAL, signal.SIGTERM)),
                                  (["segv"], 139, (END_SIGNAL, signal.SIGSEGV)),
                                  (["signal", "ABRT"], 134, (END_SIGNAL, signal.SIGABRT))):
            out = d / "t.hpt"
            proc, traces = hp.record([hp.program("ends_as"), *args], output=out)
            assert proc.returncode == status, f"{args}: exit {proc.returncode}, expected {status}\n{proc.stderr}"
            assert traces == [out], f"{args}: {proc.stderr}"
            assert "Segmentation fault" not in proc.stderr and "Terminated" not in proc.stderr, proc.stderr
            ends = [(r["how"], r["status"]) for r in hp.dump(out) if r["type"] == "process_end"]
            assert ends == [end], f"{args}: process_end {ends}, expected {end}"


def test_a_command_line_past_64_kib_keeps_its_arguments_as_far_as_they_go():
    """The recorder reads 64 KiB of /proc/self/cmdline: the trace names every argument that fits, and
    the one the read cut, as far as it goes (it once fell out of the count and so out of argv)."""
    with hp.tmpdir() as d:
        args = [f"{i:04d}" + "x" * 995 for i in range(70)]  # 70 arguments of 1,000 bytes
        proc, _ = hp.record([hp.program("ends_as"), "argv", *args], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        argv = [r for r in hp.dump(d / "t.hpt") if r["type"] == "process"][0]["argv"]
        whole = "\0".join([str(hp.program("ends_as")), "argv", *args]) + "\0"
        # The 64 KiB read, argument by argument: a NUL the read kept ends the last argument whole.
        assert "\0".join(argv) == whole[:65536].removesuffix("\0"), [a[:8] for a in argv[-2:]]


def test_argv_and_environment_reach_the_program():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("ends_as"), "argv", "a b", "", "-x"], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [str(hp.program("ends_as")), "argv", "a b", "", "-x"]
        clean = {k: None for k in ("LD_PRELOAD", "HOOKPROF_DEPTH", "HOOKPROF_INTERVAL_MS", "HOOKPROF_FOLLOW",
                                   "HOOKPROF_QUIET")}
        show = 'printf "%s|" "$LD_PRELOAD" "$HOOKPROF_OUTPUT" "${HOOKPROF_DEPTH-unset}" ' \
               '"${HOOKPROF_INTERVAL_MS-unset}" "${HOOKPROF_FOLLOW-unset}" "${HOOKPROF_QUIET-unset}"'
        proc, _ = hp.record(["sh", "-c", show], output=d / "t.hpt",
                            extra_env=clean)
        assert proc.stdout == f"{hp.LIB.resolve()}|{d / 't.hpt'}|unset|unset|unset|unset|", proc.stdout
        proc, _ = hp.record(["sh", "-c", show], output=Path("rel.hpt"), cwd=d,
                            options=["--depth", "7", "--interval", "25", "--no-follow", "--quiet"],
                            extra_env=dict(clean, LD_PRELOAD="/nonexistent/libother.so"))
        # Ours first (its malloc must be the one the program calls), the existing one kept; the
        # output made absolute (the program may change directory).
        assert proc.stdout == f"{hp.LIB.resolve()}:/nonexistent/libother.so|{d / 'rel.hpt'}|7|25|0|1|", proc.stdout
        assert "trace written" not in proc.stderr, "--quiet"
        proc, _ = hp.record(["sh", "-c", show], output=d / "t.hpt", options=["--no-stacks", "--follow"],
                            extra_env=clean)
        assert proc.stdout.split("|")[2:5] == ["0", "unset", "1"], proc.stdout


def test_default_output_name_and_stale_traces():
    with hp.tmpdir() as d:
        proc = launcher(["record", hp.program("ends_as"), "status", "0"], cwd=d)
        assert proc.returncode == 0, proc.stderr
        names = [p.name for p in d.glob("*.hpt")]
        assert len(names) == 1 and re.fullmatch(r"hookprof\.ends_as\.\d{8}-\d{6}\.hpt", names[0]), names
        assert f"hookprof: trace written to {names[0]}" in proc.stderr.splitlines()
        out = d / "t.hpt"
        stale = [out, Path(f"{out}.99999"), Path(f"{out}.99999.2")]
        for p in stale:
            p.write_text("stale")
        keep = Path(f"{out}.bak")
        keep.write_text("not a trace of ours")
        proc, traces = hp.record([hp.program("ends_as"), "status", "0"], output=out)
        assert proc.returncode == 0, proc.stderr
        assert traces == [out] and out.read_bytes()[:8] == b"HPTRACE\x1a"
        assert not stale[1].exists() and not stale[2].exists() and keep.exists()


def test_child_traces_are_listed():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        cmd = ["sh", "-c", f"{hp.program('ends_as')} status 0; {hp.program('ends_as')} status 0 & wait"]
        proc, traces = hp.record(cmd, output=out)
        assert proc.returncode == 0, proc.stderr
        assert traces[0] == out and len(traces) >= 3, proc.stderr
        for t in traces[1:]:
            assert re.fullmatch(re.escape(str(out)) + r"\.\d+(\.\d+)?", str(t)), t
            assert f"child trace written to {t}" in proc.stderr
        proc, traces = hp.record(cmd, output=out, options=["--no-follow"])
        assert proc.returncode == 0 and traces == [out], proc.stderr


def test_a_child_that_outlives_the_program_by_a_moment_is_waited_for():
    # python's multiprocessing resource tracker leaves when its parent does, a moment after: its
    # trace was listed as incomplete ("the process still runs"). The launcher now waits up to a
    # second for such processes: sh's background sleep of 0.3 s, started 50 ms before sh exits, is
    # listed as written and complete; one of 3 s is still running when the wait ends.
    with hp.tmpdir() as d:
        proc, traces = hp.record(["sh", "-c", "sleep 0.3 & sleep 0.05; exit 0"], output=d / "t.hpt")
        assert proc.returncode == 0 and "incomplete" not in proc.stderr, proc.stderr
        sleeps = [t for t in traces if hp.report_json(t)["summary"]["program"].endswith("/sleep")]
        assert len(sleeps) == 2 and all(hp.report_json(t)["summary"]["ended"] for t in sleeps), proc.stderr
        proc, traces = hp.record(["sh", "-c", "sleep 3 & sleep 0.05; exit 0"], output=d / "u.hpt")
        assert proc.returncode == 0, proc.stderr
        assert re.search(r"incomplete child trace at \S+ \(the process still runs, pid \d+: its trace is complete "
                         r"when it ends\)", proc.stderr), proc.stderr


def test_signals_to_the_launcher_reach_the_program():
    """Not in a terminal's foreground group, SIGINT and SIGTERM sent to the launcher are passed on;
    the launcher itself survives until the program ends and reports its status."""
    with hp.tmpdir() as d:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            out = d / "t.hpt"
            p = subprocess.Popen([str(hp.LAUNCHER), "record", "-o", str(out), str(hp.program("ends_as")),
                                  "sleep", "30"], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(1.0)
            start = time.monotonic()
            p.send_signal(sig)
            _, err = p.communicate(timeout=20)
            assert p.returncode == 128 + sig, f"{sig!r}: exit {p.returncode}\n{err}"
            assert time.monotonic() - start < 10
            assert f"trace written to {out}" in err, err


# ---- analyzer commands ---------------------------------------------------------------------------

def test_bare_form_prints_the_report():
    with hp.tmpdir() as d:
        out = d / "t.hpt"
        proc = launcher(["-o", out, hp.program("ends_as"), "argv", "hello"], cwd=d)
        assert proc.returncode == 0, proc.stderr
        report = hp.analyze(["report", out])
        assert report.strip(), "empty report"
        assert proc.stdout == f"{hp.program('ends_as')}\nargv\nhello\n" + report
        proc = launcher(["-o", out, "--", hp.program("ends_as"), "status", "4"], cwd=d)
        assert proc.returncode == 4, "the program's status, not the report's"
        assert proc.stdout == hp.analyze(["report", out])


def test_dump_uses_the_newest_trace():
    with hp.tmpdir() as d:
        older, newer = d / "older.hpt", d / "newer.hpt"
        hp.record([hp.program("ends_as"), "status", "0"], output=older)
        hp.record([hp.program("ends_as"), "status", "1"], output=newer)
        os.utime(older, (time.time() - 100, time.time() - 100))
        Path(f"{newer}.1234").write_text("a child trace is not a root trace")
        os.utime(f"{newer}.1234", (time.time() + 100, time.time() + 100))
        proc = launcher(["dump", "--json"], cwd=d)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == "hookprof: reading newer.hpt, the newest trace here\n"
        assert proc.stdout == hp.analyze(["dump", "--json", newer])
        ends = [r["status"] for r in map(json.loads, proc.stdout.splitlines()) if r["type"] == "process_end"]
        assert ends == [1]
        # A trace named explicitly, even without the .hpt suffix, is used as it is.
        renamed = d / "older-run"
        older.rename(renamed)
        proc = launcher(["dump", "renamed-missing.hpt"], cwd=d)
        assert proc.returncode != 0 and "renamed-missing.hpt" in proc.stderr
        proc = launcher(["dump", "older-run"], cwd=d)
        assert proc.returncode == 0 and proc.stdout == hp.analyze(["dump", renamed]), proc.stderr


def test_report_uses_the_newest_trace():
    with hp.tmpdir() as d:
        proc = launcher(["report"], cwd=d)
        assert_error(proc, 2, "no trace given", "*.hpt")
        older, newer = d / "older.hpt", d / "newer.hpt"
        hp.record([hp.program("ends_as"), "status", "0"], output=older)
        hp.record(["sh", "-c", "true"], output=newer)
        os.utime(older, (time.time() - 100, time.time() - 100))
        proc = launcher(["report"], cwd=d)
        assert proc.returncode == 0, proc.stderr
        assert "reading newer.hpt" in proc.stderr
        assert proc.stdout == hp.analyze(["report", "newer.hpt"], cwd=d)
        # The value of an option (every one in common/analyze_options.h) is not a trace: the newest
        # still stands in, for a short name and a long one alike.
        for args in (["leaks", "--leak-check-heuristics", "none"], ["export", "--format", "folded", "-o", "f.txt"]):
            proc = launcher(args, cwd=d)
            assert proc.returncode == 0, f"{args}: {proc.stderr}"
            assert "reading newer.hpt" in proc.stderr, f"{args}: {proc.stderr}"
        assert (d / "f.txt").read_text() == hp.analyze(["export", "--format", "folded", "newer.hpt"], cwd=d)
        # An explicit trace wins; options are passed on unchanged.
        proc = launcher(["report", "--format", "json", "older.hpt"], cwd=d)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == hp.analyze(["report", "--format", "json", "older.hpt"], cwd=d)
        # The analyzer's status comes back.
        proc = launcher(["report", d / "missing.hpt"], cwd=d)
        assert proc.returncode != 0 and "missing.hpt" in proc.stderr


def test_missing_build_is_explained():
    with hp.tmpdir() as d:
        proc = launcher(["record", "true"], env={"HOOKPROF_BUILD_DIR": d})
        assert_error(proc, 2, "cannot find libhookprof.so", str(d), "run make?")
        # Installed layout: bin/hookprof finds ../lib/hookprof/libhookprof.so and bin/hookprof-analyze.
        (d / "bin").mkdir()
        (d / "lib" / "hookprof").mkdir(parents=True)
        shutil.copy(hp.LAUNCHER, d / "bin" / "hookprof")
        env = {"HOOKPROF_BUILD_DIR": None}
        proc = hp.run([d / "bin" / "hookprof", "record", "true"], env=env)
        assert_error(proc, 2, f"cannot find libhookprof.so next to {d / 'bin' / 'hookprof'}", "run make?")
        shutil.copy(hp.LIB, d / "lib" / "hookprof" / "libhookprof.so")
        proc = hp.run([d / "bin" / "hookprof", "record", "true"], env=env)
        assert_error(proc, 2, "cannot find hookprof-analyze")
        shutil.copy(hp.ANALYZE, d / "bin" / "hookprof-analyze")
        link = d / "hookprof-link"
        link.symlink_to(d / "bin" / "hookprof")  # found through its real location
        proc = hp.run([link, "record", "-o", d / "t.hpt", hp.program("ends_as"), "status", "0"], env=env)
        assert proc.returncode == 0, proc.stderr
        assert (d / "t.hpt").exists()


def wait_for_trace(path, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.stat().st_size > 0):
        assert proc.poll() is None, "the launcher ended before the trace appeared"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


@hp.timeout(90)
def test_interrupted_live_run_exits_130():
    """SIGINT to `record --live`, sent to the whole process group as Ctrl-C sends it (launcher, program
    and view) or to the launcher alone, at different moments: the program dies of it and the launcher
    exits 130 every time (the shell launcher's trap and wait lost this race now and then: 255)."""
    with hp.tmpdir() as d:
        for delay in (0.0, 0.05, 0.2, 0.5):
            for group in (True, False):
                out = d / f"t{delay}{group}.hpt"  # a fresh name: no earlier trace stands in for it
                p = subprocess.Popen([str(hp.LAUNCHER), "record", "--live", "-o", str(out), "--",
                                      str(hp.program("ends_as")), "sleep", "30"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
                try:
                    wait_for_trace(out, p)
                    time.sleep(delay)
                    if group:
                        os.killpg(p.pid, signal.SIGINT)
                    else:
                        p.send_signal(signal.SIGINT)
                    frame, err = p.communicate(timeout=15)
                finally:
                    if p.poll() is None:
                        os.killpg(p.pid, signal.SIGKILL)
                what = f"SIGINT to the {'group' if group else 'launcher'} {delay} s after the trace appeared"
                assert p.returncode == 130, f"{what}: exit {p.returncode}\n{err}"
                ends = [(r["how"], r["status"]) for r in hp.dump(out) if r["type"] == "process_end"]
                assert ends == [(END_SIGNAL, signal.SIGINT)], f"{what}: {ends}"
                assert f"incomplete trace at {out}" not in err and f"trace written to {out}" in err, err
                if not group:  # the view was left to follow the trace to its end
                    assert "killed by signal 2" in frame, f"{what}:\n{frame}"


@hp.timeout(90)
def test_ctrl_c_in_a_terminal_with_live_exits_130():
    """Ctrl-C typed in a terminal (tmux) while `record --live` shows its view: 130, every time."""
    import test_top  # its tmux pane, which reports the launcher's status as a shell would
    for attempt in range(3):
        with hp.tmpdir() as d:
            pane = test_top.Pane(d, ["record", "--live", "-o", d / "t.hpt", "--",
                                     hp.program("ends_as"), "sleep", "30"])
            try:
                pane.wait_for(r"ends_as \(pid \d+\), running")
                time.sleep(0.2 * attempt)
                pane.tmux("send-keys", "-t", "top", "C-c")
                status = pane.exit_status()
                screen = pane.capture()
                pane.assert_restored()
            finally:
                pane.close()
                # The next pane takes the same socket name: wait for this server to be gone.
                deadline = time.monotonic() + 10
                while pane.tmux("has-session").returncode == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)
            assert status == 130, f"attempt {attempt}: exit {status}\n{screen}"
