"""test_report_width.py: the text report and `leaks` in a terminal of 80 columns (tmux): no line wraps,
and every function name of the JSON report reads whole or shortened in the middle ("start…end"), never
cut."""
import os
import re
import shutil
import subprocess
import time

import hp

ELLIPSIS = "\u2026"
WIDTH = 80


class Pane:
    """A detached tmux session WIDTH columns wide on its own socket running `argv`, then a marker."""

    def __init__(self, d, argv):
        if not shutil.which("tmux"):
            raise hp.Skip("tmux is not installed")
        self.socket = f"hp-width-{os.getpid()}"
        conf = d / "tmux.conf"
        conf.write_text("set -g history-limit 100000\n")
        script = d / "pane.sh"
        # COLUMNS unset: the width must come from the terminal (TIOCGWINSZ).
        script.write_text("unset COLUMNS LINES\n" + " ".join(f"'{a}'" for a in argv) +
                          " 2>/dev/null\necho \"== done $? ==\"\nsleep 60\n")
        self.tmux("-f", str(conf), "new-session", "-d", "-x", str(WIDTH), "-y", "40", "-s", "w",
                  "sh", str(script))

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=10, stdin=subprocess.DEVNULL)

    def lines(self, seconds=60):
        """The whole history once the command is done, wrapped lines joined back (-J)."""
        deadline = time.monotonic() + seconds
        while True:
            proc = self.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "w")
            assert proc.returncode == 0, proc.stderr
            text = proc.stdout
            if re.search(r"^== done \d+ ==$", text, re.M):
                return text.split("\n== done", 1)[0].splitlines(), text
            assert time.monotonic() < deadline, f"the report did not finish:\n{text}"
            time.sleep(0.2)

    def close(self):
        self.tmux("kill-server")


def elided_prefixes(lines):
    """The text before each ellipsis, from the start of its cell (after the indent, two blanks or
    "from ")."""
    out = []
    for line in lines:
        for m in re.finditer(ELLIPSIS, line):
            before = line[:m.start()]
            start = max(before.rfind("  ") + 2 if "  " in before else 0,
                        before.rfind("from ") + 5 if "from " in before else 0)
            out.append(before[start:])
    return out


def findable(name, text, prefixes):
    return name in text or any(len(p) >= 8 and name.startswith(p) for p in prefixes)


@hp.timeout(180)
def test_report_fits_80_columns_and_names_stay_findable():
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("real_cxx_plugins")], output=d / "cxx.hpt")
        assert proc.returncode == 0 and traces, proc.stderr
        trace = traces[0]
        pane = Pane(d, [hp.ANALYZE, "report", "--no-children", trace])
        try:
            lines, whole = pane.lines()
        finally:
            pane.close()
        assert "== done 0 ==" in whole, whole
        assert lines[0].startswith("hookprof report: "), lines[:3]
        too_long = [line for line in lines if len(line) > WIDTH]
        assert not too_long, "\n".join(too_long)
        # One ellipsis at most per line: a name is shortened once, not piece by piece.
        assert all(line.count(ELLIPSIS) <= 1 for line in lines), [l for l in lines if l.count(ELLIPSIS) > 1]
        # The summary's prose goes on under itself rather than losing its middle: how the exit scan
        # read the threads ("(regi… from the frame" before) reads whole.
        at = next(i for i, line in enumerate(lines) if line.startswith("    threads at the last scan  "))
        value = " ".join([lines[at].split("scan  ", 1)[1]] + [l.strip() for l in lines[at + 1:at + 3]
                                                             if l.startswith(" " * 30)])
        assert ELLIPSIS not in value and value.startswith("1 thread: 1 ended the process (registers, stack from "
                                                          "the frame that called exit)"), lines[at:at + 3]

        r = hp.report_json(trace, "--no-children")
        names = {f["name"] for f in r["functions"]}
        for group in (r["sites"], r["leaks"]):
            for site in group:
                frame = site["stack"][site["user_frame"]] if site["stack"] else None
                if frame and frame["function"]:
                    names.add(frame["function"])
        long_names = [n for n in names if len(n) > WIDTH // 2]
        assert long_names, f"no name longer than {WIDTH // 2} columns to shorten: {sorted(names)}"
        text, prefixes = "\n".join(lines), elided_prefixes(lines)
        lost = [n for n in names if not findable(n, text, prefixes)]
        assert not lost, f"names neither whole nor shortened in the middle: {lost}"

        # The same report through a pipe with --width 80 (COLUMNS ignored) is what the terminal showed.
        piped = hp.run([hp.ANALYZE, "report", "--no-children", "--width", str(WIDTH), trace],
                       env={"COLUMNS": "200"}).stdout.splitlines()
        assert piped == lines


def test_width_option_and_columns():
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("real_cxx_plugins")], output=d / "cxx.hpt")
        trace = traces[0]
        for env, args, width in (({"COLUMNS": "120"}, [], 120), ({"COLUMNS": None}, [], 100),
                                 ({"COLUMNS": "70"}, ["--width", "200"], 200)):
            out = hp.run([hp.ANALYZE, "report", "--no-children", *args, trace], env=env).stdout
            widths = [len(line) for line in out.splitlines()]
            assert max(widths) <= width, (env, args, max(widths))
            # Names long enough to need the room: the widest line uses most of it.
            assert max(widths) > width - 10, (env, args, max(widths))
        bad = hp.run([hp.ANALYZE, "report", "--width", "20", trace])
        assert bad.returncode == 2 and "--width takes a number of columns (at least 60)" in bad.stderr
        bad = hp.run([hp.ANALYZE, "report", "--format", "json", "--width", "80", trace])
        assert bad.returncode == 2 and "--width applies to the text format only" in bad.stderr


# tests/programs/leak_patterns.c's header: what the main process and its forked child leave (bytes, blocks).
LEAK_PATTERNS = {"definitely lost": (635, 8), "indirectly lost": (272, 9), "possibly lost": (64, 1),
                 "still reachable": (577, 3)}
LEAK_PATTERNS_CHILD_DEFINITE = (635 + 123, 8 + 1)  # its parent's blocks, and 123 bytes of its own


def frame_lines(lines):
    return [line for line in lines if re.match(r"   (at|by) ", line)]


@hp.timeout(180)
def test_leaks_fits_80_columns_and_frames_are_shortened_in_the_middle():
    with hp.tmpdir() as d:
        # The program run from a directory too long for 80 columns: each stack's "_start (in PATH)"
        # frame has to be shortened, wherever the build is.
        deep = d / ("a_directory_whose_name_alone_takes_most_of_an_eighty_column_terminal_line")
        deep.mkdir()
        prog = deep / "leak_patterns"
        shutil.copy(hp.program("leak_patterns"), prog)
        proc, traces = hp.record([prog, "fork"], output=d / "t.hpt")
        assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
        trace = d / "t.hpt"
        pane = Pane(d, [hp.ANALYZE, "leaks", "--kinds", "all", trace])
        try:
            lines, whole = pane.lines()
        finally:
            pane.close()
        assert "== done 0 ==" in whole, whole
        too_long = [line for line in lines if len(line) > WIDTH]
        assert not too_long, "\n".join(too_long)
        assert all(line.count(ELLIPSIS) <= 1 for line in lines), [l for l in lines if l.count(ELLIPSIS) > 1]

        # What the program is known to have left, in both processes, in the summary lines.
        for kind, (nbytes, blocks) in LEAK_PATTERNS.items():
            assert f"{kind:>18}: {nbytes} bytes in {blocks} blocks" in lines, (kind, lines)
        assert "   definitely lost: %d bytes in %d blocks" % LEAK_PATTERNS_CHILD_DEFINITE in lines

        # The same output with no width to fit: the same frames, each at 80 columns either whole or
        # its start and its end around one ellipsis.
        wide = hp.analyze(["leaks", "--kinds", "all", "--width", "100000", trace]).splitlines()
        assert not any(ELLIPSIS in line for line in wide), [line for line in wide if ELLIPSIS in line]
        narrow, full = frame_lines(lines), frame_lines(wide)
        assert len(narrow) == len(full) > 0, (len(narrow), len(full))
        shortened = 0
        for n, w in zip(narrow, full):
            if ELLIPSIS in n:
                head, tail = n.split(ELLIPSIS)
                assert w.startswith(head) and w.endswith(tail) and len(head) + len(tail) < len(w), (n, w)
                # The address and the start of the function are kept.
                assert re.match(r"   (at|by) (0x[0-9A-F]+|\S+\+0x[0-9a-f]+): \S", head), n
                shortened += 1
            else:
                assert n == w
        assert shortened >= 1, "no frame was long enough to shorten"
        assert any(str(prog) in w and "_start" in w for w in full), full

        # The whole frames are those of the JSON report, function and module included.
        r = hp.report_json(trace, "--top", "0")
        for proc_report in [r] + r["children"]:
            for leak in proc_report["leaks"]:
                for f in leak["stack"][leak["user_frame"]:]:
                    if f["function"]:
                        assert any(f" {f['function']} (" in w for w in full), f["function"]
                    if f["function"] and not f["file"] and f["module"]:
                        assert any(f"{f['function']} (in {f['module']})" in w for w in full), f

        # COLUMNS=80 through a pipe, and --width 80 over COLUMNS, are what the terminal showed.
        assert hp.run([hp.ANALYZE, "leaks", "--kinds", "all", trace],
                      env={"COLUMNS": "80"}).stdout.splitlines() == lines
        assert hp.run([hp.ANALYZE, "leaks", "--kinds", "all", "--width", "80", trace],
                      env={"COLUMNS": "200"}).stdout.splitlines() == lines
        bad = hp.run([hp.ANALYZE, "leaks", "--width", "20", trace])
        assert bad.returncode == 2 and "--width takes a number of columns (at least 60)" in bad.stderr
