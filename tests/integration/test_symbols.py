"""test_symbols.py: frames named as addr2line names them: every inline level, and module+offset without symbols.

alloc_inlined_map fills a std::map in an always-inlined helper, so each node's return address stands
for many inline levels; addr2line (binutils, run here on the same module and offset) is the
reference for that chain. A strip'ped copy of the same program has no names: its frames must read
module+offset, the same in two runs, with a warning naming the file and the build-id readelf reads.
"""
import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import hp

PROGRAM = "alloc_inlined_map"
SOURCE = hp.ROOT / "tests" / "programs" / f"{PROGRAM}.cc"


@functools.lru_cache(maxsize=None)
def map_entries():
    """MAP_ENTRIES of the program: how many nodes (allocations) fill() makes."""
    return int(re.search(r"#define MAP_ENTRIES (\d+)", SOURCE.read_text()).group(1))


def module_offset(trace, ip, name):
    """ip as an offset in module `name`, from the trace's own module records (dump), not the report."""
    for r in hp.dump(trace):
        if r["type"] == "module_load" and r["path"].endswith("/" + name):
            if any(r["base"] + vaddr <= ip < r["base"] + vaddr + memsz for vaddr, memsz, _, _ in r["segments"]):
                return ip - r["base"]
    raise AssertionError(f"{ip:#x} is in no module {name}")


def addr2line(module, offset):
    """[(function, file basename or None, line or 0)] of `addr2line -f -i -C`, innermost first."""
    proc = hp.run(["addr2line", "-f", "-i", "-C", "-e", module, f"{offset:#x}"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    chain = []
    for function, where in zip(lines[0::2], lines[1::2]):
        path, _, line = where.rpartition(":")
        line = int(line) if line.isdigit() else 0
        chain.append((function, None if path == "??" else path.rsplit("/", 1)[-1], line))
    return chain


def ours(frames):
    return [(f["function"], f["file"].rsplit("/", 1)[-1] if f["file"] else None, f["line"]) for f in frames]


def map_site(report):
    sites = [s for s in report["sites"] if s["allocs"] == map_entries()]
    assert len(sites) == 1, [(s["allocs"], s["stack"][:2]) for s in report["sites"]]
    return sites[0]


def test_inline_chain_matches_addr2line():
    with hp.tmpdir() as d:
        prog = hp.program(PROGRAM)
        proc, traces = hp.record([prog], output=d / "map.hpt")
        assert proc.returncode == 0 and traces, proc.stderr
        site = map_site(hp.report_json(traces[0], "--top", "0"))
        stack = site["stack"]
        # The frames of the first address in the program itself: the node allocation, inlined.
        first = next(i for i, f in enumerate(stack) if f["module"] == str(prog))
        ip = int(stack[first]["ip"], 16)
        chain = [f for f in stack if int(f["ip"], 16) == ip]
        offset = module_offset(traces[0], ip, PROGRAM)
        reference = addr2line(prog, offset - 1)   # a return address: the call is the byte before
        assert len(reference) > 2, reference      # the map's templates, fill, main
        assert ours(chain) == reference, (ours(chain), reference)
        assert [f["inlined"] for f in chain] == [True] * (len(chain) - 1) + [False]
        # The site is the program's code that filled the map: the helper, at its own line.
        own = next(c for c in reference if c[1] == SOURCE.name)
        user = stack[site["user_frame"]]
        assert ours([user]) == [own], (user, reference)

        # _start: no debug information covers it, so no line (addr2line: ??:?)
        start = [f for f in stack if f["function"] == "_start"]
        assert len(start) == 1, stack
        ref_start = addr2line(prog, module_offset(traces[0], int(start[0]["ip"], 16), PROGRAM) - 1)
        assert ref_start[-1][1:] == (None, 0), ref_start
        assert ours(start) == [ref_start[-1]], (start, ref_start)

        # leaks: the same levels, from the program's own code on, one line each
        out = hp.analyze(["leaks", "--kinds", "all", traces[0]])
        group = out.split(f"{map_entries()} blocks are indirectly lost")[1].split("\n\n")[0]
        at_ip = [m.groups() for m in re.finditer(r"^   (?:at|by) 0x([0-9A-F]+): (.*?)(?: \((\S+?)(?::(\d+))?\))?$",
                                                  group, re.M) if int(m.group(1), 16) == ip]
        tail = reference[reference.index(own):]
        assert [(fn, f, int(line or 0)) for _, fn, f, line in at_ip] == tail, (group, tail)


def test_start_has_no_line_in_the_text_report():
    """_start has no debug line (addr2line: ??:?): the text report's caller frames and leaks name it by
    its module only, never with a file:line it does not have."""
    with hp.tmpdir() as d:
        # rec_target mallocs in main: main's callers are __libc_start_call_main, __libc_start_main, _start,
        # the three caller frames the by-bytes table shows.
        prog = hp.program("rec_target")
        proc, traces = hp.record([prog, "64", "10", "3"], output=d / "t.hpt")
        assert traces, proc.stderr
        text = hp.analyze(["report", "--width", "200", traces[0]])
        starts = [line.strip() for line in text.splitlines() if re.search(r"\b_start\b", line)]
        assert starts and set(starts) == {"from _start (in rec_target)"}, starts
        # leaks: leak_patterns' stacks end in its own _start.
        leaker = hp.program("leak_patterns")
        proc, traces = hp.record([leaker], output=d / "l.hpt")
        assert traces, proc.stderr
        out = hp.analyze(["leaks", "--kinds", "all", "--width", "200", traces[0]])
        frames = re.findall(r"^   by 0x[0-9A-F]+: _start( .*)?$", out, re.M)
        assert frames and set(frames) == {f" (in {leaker})"}, frames


def stripped_run(d, copy, name):
    proc, traces = hp.record([copy], output=d / name)
    assert proc.returncode == 0 and traces, proc.stderr
    return traces[0]


def build_id(path):
    out = hp.run(["readelf", "-n", path]).stdout
    return re.search(r"Build ID: ([0-9a-f]+)", out).group(1)


def test_stripped_program_reads_module_offset():
    with hp.tmpdir() as d:
        copy = d / "stripped_map"
        shutil.copy(hp.program(PROGRAM), copy)
        assert hp.run(["strip", copy]).returncode == 0
        bid = build_id(copy)
        runs = [stripped_run(d, copy, f"run{i}.hpt") for i in (1, 2)]
        texts = []
        for trace in runs:
            report = hp.report_json(trace, "--top", "0")
            mine = [w for w in report["warnings"] if f"'{copy}'" in w]
            assert len(mine) == 1 and f"build-id {bid}" in mine[0] and "DEBUGINFOD_URLS" in mine[0], report["warnings"]
            site = map_site(report)
            user = site["stack"][site["user_frame"]]
            assert user["module"] == str(copy) and user["function"] is None, user
            offset = module_offset(trace, int(user["ip"], 16), copy.name)
            assert user["module_offset"] == f"{offset:#x}", user
            full = hp.analyze(["report", "--top", "0", trace])
            text = full.split("Allocation sites by count")[1].split("\n\n")[0]
            assert f"{copy.name}+{offset:#x}" in text, text
            assert not re.search(r"0x[0-9a-f]{9,}", text), text   # no absolute address
            texts.append(text)
            leaks = hp.run([hp.ANALYZE, "leaks", "--kinds", "all", trace])
            assert f"at {copy.name}+{offset:#x}: ???" in leaks.stdout, leaks.stdout
            named = [l for l in leaks.stderr.splitlines() if "left without a name" in l]
            assert len(named) == 1 and re.search(rf"NAME\+0xOFFSET: (.*, )?{re.escape(copy.name)}[,;]", named[0]), leaks.stderr
            folded = hp.analyze(["export", "--format", "folded", "--cost", "bytes", trace])
            assert f"{copy.name}+{offset:#x}" in folded, folded
        # pprof: the stripped program's mapping claims no symbols; libc's frames were named
        out = d / "stripped.pb.gz"
        hp.analyze(["export", "--format", "pprof", "-o", out, runs[0]])
        go = shutil.which("go")
        assert go, "go tool pprof reads the pprof export back: apt-get install golang-go"
        raw = hp.run([go, "tool", "pprof", "-raw", out])
        assert raw.returncode == 0, raw.stderr
        mappings = {m.group(1): m.group(2) for m in re.finditer(r"^\d+: \S+ (\S+) \S*\s*((?:\[\w+\])*)$",
                                                                 raw.stdout.split("Mappings")[1], re.M)}
        assert mappings[str(copy)] == "", mappings
        # every other mapping claims functions exactly when each of its exported frames had one
        named = {}
        for site in hp.report_json(runs[0], "--top", "0")["sites"]:
            for f in site["stack"][site["user_frame"]:]:
                named[f["module"]] = named.get(f["module"], True) and f["function"] is not None
        assert set(mappings) <= set(named) | {None}, (mappings, named)
        for path, flags in mappings.items():
            assert ("[FN]" in flags) == named[path], (path, flags, named)
        # Two runs, two layouts: the site lines read the same
        assert texts[0] == texts[1], texts


class DebuginfodHandler(http.server.BaseHTTPRequestHandler):
    """debuginfod's protocol, as far as libdw asks it: GET /buildid/ID/debuginfo."""
    files = {}

    def do_GET(self):
        body = self.files.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


def test_debuginfod_gives_names_to_a_stripped_program():
    with hp.tmpdir() as d:
        copy, debug = d / "debuginfod_map", d / "debuginfod_map.debug"
        shutil.copy(hp.program(PROGRAM), copy)
        assert hp.run(["objcopy", "--only-keep-debug", copy, debug]).returncode == 0
        assert hp.run(["strip", copy]).returncode == 0
        DebuginfodHandler.files = {f"/buildid/{build_id(copy)}/debuginfo": debug.read_bytes()}
        server = http.server.HTTPServer(("127.0.0.1", 0), DebuginfodHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            trace = stripped_run(d, copy, "run.hpt")
            env = {"DEBUGINFOD_URLS": f"http://127.0.0.1:{server.server_port}",
                   "DEBUGINFOD_CACHE_PATH": d / "cache"}
            proc = hp.run([hp.ANALYZE, "report", "--format", "json", "--top", "0", trace], env=env)
            assert proc.returncode == 0, proc.stderr
        finally:
            server.shutdown()
        report = json.loads(proc.stdout)
        site = map_site(report)
        user = site["stack"][site["user_frame"]]
        assert (user["function"], (user["file"] or "").rsplit("/", 1)[-1]) == ("fill", SOURCE.name), user
        assert not [w for w in report["warnings"] if f"'{copy}'" in w], report["warnings"]


def test_a_module_without_symbols_is_named_once_a_run():
    """A shell running a stripped program three times: each process's report (JSON) names the module
    with its build-id, but stderr names every such module of the run in one line, with the count of
    the traces that have one (a pyenv shim's 79 processes repeated bash's warning 56 times, and a
    program of six stripped libraries took six lines of 400 characters)."""
    with hp.tmpdir() as d:
        proc, traces = hp.record(["/bin/sh", "-c", "/usr/bin/env true; /usr/bin/env true; /usr/bin/env true"],
                                 output=d / "sh.hpt")
        assert proc.returncode == 0, proc.stderr
        env = [t for t in traces if hp.report_json(t, "--no-children")["summary"]["program"] == "/usr/bin/env"]
        assert len(env) == 3, traces
        named = [t for t in env if any("'/usr/bin/env' (build-id" in w
                                       for w in hp.report_json(t, "--no-children")["warnings"])]
        if not named:
            raise AssertionError("/usr/bin/env has every symbol here: the test needs a stripped program")
        # every module any trace of the run warns about, by its path in the JSON warnings
        nameless, with_any = set(), 0
        for t in traces:
            mods = {m for w in hp.report_json(t, "--no-children")["warnings"]
                    for m in re.findall(r"'([^']+)' \(build-id [0-9a-f]+\): no", w)}
            nameless |= mods
            with_any += bool(mods)
        for cmd in (["report"], ["leaks"]):
            err = hp.run([hp.ANALYZE, *cmd, traces[0]]).stderr
            lines = [l for l in err.splitlines() if "left without a name" in l]
            assert len(lines) == 1 and "(build-id" not in err, (cmd, err)
            assert f" {len(nameless)} module{'s' if len(nameless) > 1 else ''} with" in lines[0], (nameless, lines)
            listed = lines[0].split("NAME+0xOFFSET: ", 1)[1].split(";", 1)[0].split(", ")
            assert sorted(listed) == sorted(Path(m).name for m in nameless), (listed, nameless)
            more = with_any - 1
            assert (f"and {more} more trace{'s' if more > 1 else ''} of this run:" in lines[0]) == (more > 0), lines
