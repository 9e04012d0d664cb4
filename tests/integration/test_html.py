"""test_html.py: `report --html`: the page, loaded in headless Chromium, draws without an error what the programs did.

What the programs do (their header comments): zone_sleeps calls outer() 5 times (a mark each) and inner()
10 times, inside outer(); leak_patterns leaks 635 bytes definitely (500 of them in direct_leaks(), 5 x 100),
its forked child 123; demo with 40 batches parses 40 x 1000 lines (parse_line) and checkpoints twice (a
mark each). One Chromium launch loads the three pages side by side in a harness page that reads them
(and clicks them) from the outside, and takes the screenshot. leak_patterns runs under a file name made
of markup, with markup in its argv: the page must show both as text. The demo's page is kept as two
screenshots for a reader of the build: build/screenshots/demo-report.png (its top) and demo-flame.png
(its flame graph).
"""
import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib

import hp

BATCHES = 40
HOSTILE_NAME = "x<img src=x onerror=parent.pwned=1>"
HOSTILE_ARG = "</script><script>parent.pwned=2</script>"

# Runs in the harness page once every report has loaded: reads each report's DOM, then clicks it (a column
# header, a flame graph frame, the root frame, a tab) and reads the result; the JSON goes to <pre id="out">.
HARNESS_JS = r"""
function num(v) { return v === null || v === undefined ? null : Number(v); }
function read(d) {
	var out = {state: d.documentElement.getAttribute("data-state"), title: d.title, processes: [],
		errors: Array.from(d.querySelectorAll("#hp-error-list li")).map(function (e) { return e.textContent; }),
		injected: d.querySelectorAll("img, iframe, object, embed, [onerror], [onload]").length};
	d.querySelectorAll("div.process").forEach(function (p) {
		var q = {pid: num(p.dataset.pid), program: p.querySelector("h1").textContent,
			argv: p.querySelector(".argv") ? p.querySelector(".argv").textContent : null,
			score: num(p.querySelector(".score").dataset.score), cards: {}, functions: [], flame: {},
			marks: [], leaks: [], recs: []};
		p.querySelectorAll(".card").forEach(function (c) { q.cards[c.dataset.key] = num(c.dataset.value); });
		p.querySelectorAll("table.functions tbody tr").forEach(function (tr) {
			var row = {name: tr.dataset.name};
			tr.querySelectorAll("td[data-key]").forEach(function (td) { row[td.dataset.key] = num(td.dataset.value); });
			q.functions.push(row);
		});
		/* A flame graph view is drawn when its tab is chosen: each cost, top-down and bottom-up. */
		function flame() {
			p.querySelectorAll("[role=tabpanel]:not([hidden]) svg.flame").forEach(function (s) {
				q.flame[s.dataset.view] = {width: num(s.getAttribute("width")),
					frames: Array.from(s.querySelectorAll("g.frame")).map(function (g) {
						return {name: g.dataset.name, depth: num(g.dataset.depth), value: num(g.dataset.value),
							width: num(g.querySelector("rect").getAttribute("width"))};
					})};
			});
		}
		var costs = p.querySelectorAll(".tabs button[data-view]"), dirs = p.querySelectorAll(".tabs button[data-dir]");
		costs.forEach(function (c) {
			click(c);
			dirs.forEach(function (b) { click(b); flame(); });
		});
		if (costs.length) {
			click(costs[0]);
			click(dirs[0]);
		}
		p.querySelectorAll("svg.chart g.mark").forEach(function (m) { q.marks.push(m.dataset.name); });
		p.querySelectorAll("table.leaks tbody tr").forEach(function (tr) {
			q.leaks.push({kind: tr.dataset.kind, bytes: num(tr.dataset.bytes)});
		});
		q.sections = Array.from(p.querySelectorAll("section.panel")).map(function (s) {
			return s.id.slice(p.id.length + 1);
		});
		q.components = rows(p, "table.score-components");
		q.sites = rows(p, "table.sites");
		q.counters = rows(p, "table.counters");
		q.marks_table = rows(p, "table.marks");
		q.sizes = rows(p, "table.sizes");
		q.reallocs = rows(p, "table.reallocs");
		q.threads = rows(p, "table.threads");
		q.left_out = Array.from(p.querySelectorAll(".left-out")).map(function (e) {
			return {shown: num(e.dataset.shown), total: num(e.dataset.total), text: e.textContent};
		});
		p.querySelectorAll(".rec").forEach(function (li) {
			q.recs.push({rule: li.dataset.rule, severity: li.querySelector(".chip").textContent,
				title: li.querySelector(".title").textContent});
		});
		out.processes.push(q);
	});
	return out;
}
/* A table's rows: each cell by its data-key, its data-value when it has one (a figure), else its text. */
function rows(p, selector) {
	return Array.from(p.querySelectorAll(selector + " tbody tr")).map(function (tr) {
		var row = {};
		tr.querySelectorAll("td[data-key]").forEach(function (td) {
			row[td.dataset.key] = td.dataset.value !== undefined ? num(td.dataset.value) : td.textContent;
		});
		return row;
	});
}
function click(e) { e.dispatchEvent(new MouseEvent("click", {bubbles: true})); }
function interact(d, zoom) {
	var p = d.querySelector("div.process"), r = {};
	function calls() {
		return Array.from(p.querySelectorAll("table.functions tbody td[data-key=calls]")).map(function (td) {
			return num(td.dataset.value);
		});
	}
	var th = p.querySelector("table.functions th[data-key=calls]");
	if (th) {
		th.querySelector("button").click();
		r.sort_first = {calls: calls(), aria: th.getAttribute("aria-sort")};
		th.querySelector("button").click();
		r.sort_second = {calls: calls(), aria: th.getAttribute("aria-sort")};
	}
	function graph() { return p.querySelector("svg.flame[data-view=zones]"); }
	function frame() { return graph().querySelector("g.frame[data-name='" + zoom + "']"); }
	function width(g) { return num(g.querySelector("rect").getAttribute("width")); }
	if (zoom) {
		r.svg_width = num(graph().getAttribute("width"));
		r.before = width(frame());
		click(frame());
		r.zoomed = width(frame());
		r.status = p.querySelector(".flame-status").textContent;
		frame().dispatchEvent(new MouseEvent("mousemove", {bubbles: true, clientX: 20, clientY: 20}));
		var tip = d.getElementById("hp-tooltip");
		r.tooltip = tip.hidden ? null : tip.textContent;
		click(graph().querySelector("g.frame[data-depth='0']"));
		r.reset = width(frame());
	}
	var chart = p.querySelector("svg.chart"), tip = d.getElementById("hp-tooltip");
	if (chart) {
		var box = chart.getBoundingClientRect();
		chart.lastChild.dispatchEvent(new MouseEvent("mousemove", {bubbles: true,
			clientX: box.left + box.width / 2, clientY: box.top + box.height / 2}));
		r.chart_tooltip = tip.hidden ? null : tip.textContent;
	}
	var tab = p.querySelector(".tabs button[data-view=bytes]");
	if (tab) {
		click(tab);
		r.bytes_shown = !p.querySelector("[role=tabpanel][data-view=bytes]").hidden;
		r.zones_hidden = !!p.querySelector("[role=tabpanel][data-view=zones]") &&
			p.querySelector("[role=tabpanel][data-view=zones]").hidden;
		click(p.querySelector(".tabs button[data-dir=bottom-up]"));
		r.inverted_shown = !p.querySelector("[role=tabpanel][data-view=bytes-inverted]").hidden &&
			p.querySelector("[role=tabpanel][data-view=bytes]").hidden;
		click(p.querySelector(".tabs button[data-dir=top-down]"));
	}
	return r;
}
/* Types query into the search box: which rows stay shown, which frames are marked; then clears it. */
function search(d, query) {
	var input = d.getElementById("hp-search"), r = {};
	function type(v) {
		input.value = v;
		input.dispatchEvent(new Event("input", {bubbles: true}));
	}
	function shown(selector) {
		return Array.from(d.querySelectorAll(selector + " tbody tr")).filter(function (tr) {
			return !tr.hidden && tr.getClientRects().length > 0;
		}).map(function (tr) { return tr.dataset.search; });
	}
	type(query);
	r.functions = shown("table.functions");
	r.sites = shown("table.sites");
	r.all_sites = d.querySelectorAll("table.sites tbody tr").length;
	r.frames = Array.from(d.querySelectorAll("svg.flame g.frame.match")).map(function (g) { return g.dataset.name; });
	r.status = d.getElementById("hp-search-status").textContent;
	type("");
	r.hidden_after = d.querySelectorAll("tr[data-search][hidden]").length;
	r.marked_after = d.querySelectorAll("svg.flame g.frame.match").length;
	return r;
}
window.onload = function () {
	var out = {pwned: window.pwned === undefined ? null : window.pwned, pages: {}};
	try {
		document.querySelectorAll("iframe").forEach(function (f) {
			var page = read(f.contentDocument);
			page.interaction = interact(f.contentDocument, f.dataset.zoom);
			if (f.dataset.search)
				page.search = search(f.contentDocument, f.dataset.search);
			out.pages[f.dataset.name] = page;
		});
		out.pwned = window.pwned === undefined ? null : window.pwned;
	} catch (e) {
		out.harness_error = String(e && e.stack || e);
	}
	document.getElementById("out").textContent = JSON.stringify(out);
};
"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise hp.Skip("headless Chromium is not installed (Debian: apt-get install chromium)")


def write_html(trace, out, *options):
    proc = hp.run([hp.ANALYZE, "report", "--html", out, *options, trace])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "", "no text report with --html"
    assert f"hookprof: HTML report written to {out}" in proc.stderr.splitlines(), proc.stderr
    text = out.read_text(encoding="utf-8")
    # Self-contained: nothing fetched. (The page's own CSP forbids it too.)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "a reference to the network"
    assert "@@HP_" not in text
    return text


def browse(d, pages):
    """Loads pages [(name, path, frame to zoom, text to search)] in one Chromium launch, in a harness page
    that reads and clicks them; returns (what it read, console lines, screenshot path). The first page
    fills the top of the window, so the screenshot is of that page."""
    frames = "".join(
        f'<iframe data-name="{name}" data-zoom="{zoom or ""}" data-search="{query or ""}" src="{path.name}" '
        f'style="display:block;border:0;width:1280px;height:2000px"></iframe>'
        for name, path, zoom, query in pages)
    harness = d / "harness.html"
    harness.write_text(f'<!DOCTYPE html><html><body style="margin:0">{frames}<pre id="out"></pre>'
                       f"<script>{HARNESS_JS}</script></body></html>", encoding="utf-8")
    shot = d / "page.png"
    proc = hp.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-first-run", f"--user-data-dir={d / 'chromium-profile'}", "--allow-file-access-from-files",
                   "--enable-logging=stderr", "--v=0", "--window-size=1280,2000", f"--screenshot={shot}",
                   "--dump-dom", harness.as_uri()], timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert m and m.group(1), f"the harness wrote nothing:\n{proc.stdout[-2000:]}"
    result = json.loads(html.unescape(m.group(1)))
    assert "harness_error" not in result, result["harness_error"]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return result, console, shot


SCREENSHOTS = hp.BUILD / "screenshots"


def screenshot_flame(d, page, shot):
    """A screenshot (1280x1000) of page scrolled to its first flame graph, below the page's sticky
    navigation bar: a harness page holds it in a frame and scrolls it once it is drawn."""
    harness = d / "flame-shot.html"
    harness.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="{page.name}" '
        'style="display:block;border:0;width:1280px;height:1000px"></iframe><script>'
        'var f = document.getElementById("f"); f.onload = function () { var w = f.contentWindow, '
        'd = f.contentDocument, p = d.querySelector("section[id$=\'-flame\']"); '
        'w.scrollTo(0, p.getBoundingClientRect().top + w.scrollY - d.getElementById("hp-nav").offsetHeight - 8); };'
        '</script></body></html>', encoding="utf-8")
    proc = hp.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-first-run", f"--user-data-dir={d / 'chromium-profile'}", "--allow-file-access-from-files",
                   "--window-size=1280,1000", "--virtual-time-budget=5000", f"--screenshot={shot}",
                   harness.as_uri()], timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]


def png_is_a_page(path, width, height):
    """The screenshot is a PNG of the window's size with more than a blank page in it: a blank window
    filters to zero bytes almost everywhere, a drawn report to a few percent of non-zero ones."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    i, idat, size = 8, b"", None
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        if kind == b"IHDR":
            size = struct.unpack(">II", data[i + 8:i + 16])
        elif kind == b"IDAT":
            idat += data[i + 8:i + 8 + n]
        i += 12 + n
    assert size == (width, height), size
    raw = zlib.decompress(idat)
    assert (len(raw) - raw.count(0)) / len(raw) > 0.01, "the screenshot is blank"


def frames_of(process, view):
    return process["flame"][view]["frames"]


def one_frame(process, view, name):
    found = [f for f in frames_of(process, view) if f["name"] == name]
    assert len(found) == 1, (name, [f["name"] for f in frames_of(process, view)])
    return found[0]


SECTIONS = ["top", "summary", "score", "advice", "functions", "counters", "flame", "sites", "sizes", "memory", "leaks"]
FUNCTION_KEYS = ("calls", "total_ns", "self_ns", "mean_ns", "min_ns", "max_ns", "stddev_ns", "p50_ns", "p95_ns",
                 "p99_ns", "share", "allocs", "alloc_bytes")
SITE_KEYS = ("allocs", "bytes", "temporary", "peak_bytes", "live_bytes", "frees", "leaked_bytes")
LOST = ("definite", "indirect", "possible")


def site_rows(sites):
    return sorted(tuple(x[k] for k in SITE_KEYS) for x in sites)


def check_flame(shown, r):
    """Each cost of the folded export as a view, top-down and bottom-up, its root the whole of that cost."""
    sites = r["sites"]
    wanted = {"allocs": sum(x["allocs"] for x in sites), "bytes": sum(x["bytes"] for x in sites),
              "temporary": sum(x["temporary"] for x in sites), "peak": sum(x["peak_bytes"] for x in sites),
              "leaked": sum(x["bytes"] for x in r["leaks"] if x["kind"] in LOST)}
    tree = r["zone_tree"]
    if len(tree) > 1:
        wanted["zones"] = sum(n["total_ns"] for n in tree if n["parent"] == 0)
    views = {v for v in shown["flame"] if not v.endswith("-inverted")}
    assert views == {k for k, v in wanted.items() if v > 0}, (views, wanted)
    for view in views:
        assert frames_of(shown, view)[0]["value"] == wanted[view], view
        bottom_up = frames_of(shown, view + "-inverted")[0]["value"]
        # Bottom-up the root holds every frame's own cost: the whole again (zones: every self time).
        own = sum(n["self_ns"] for n in tree[1:]) if view == "zones" else wanted[view]
        assert bottom_up == own, (view, bottom_up, own)


def check_common(page, report, capped):
    """What every page shows of its report, whatever the program: compared with `report --format json`
    (report: every row and --threads; capped: the same --top as the page)."""
    assert page["state"] == "ready" and page["errors"] == [], page["errors"]
    assert page["injected"] == 0, "markup from the data became elements"
    processes = [report] + report["children"]
    cprocesses = [capped] + capped["children"]
    assert [p["pid"] for p in page["processes"]] == [r["summary"]["pid"] for r in processes]
    for shown, r, c in zip(page["processes"], processes, cprocesses):
        s = r["summary"]
        assert [x for x in shown["sections"] if x in SECTIONS] == SECTIONS, shown["sections"]
        for key in ("run_ns", "cpu_ns", "allocations", "bytes_allocated", "peak_heap_bytes", "peak_rss",
                    "leaked_bytes", "threads"):
            assert shown["cards"][key] == s[key], (key, shown["cards"][key], s[key])
        assert shown["score"] == r["score"]["value"]
        assert [(x["name"], x["score"]) for x in shown["components"]] == \
               [(x["name"], round(x["score"]) if x["applies"] else "n/a") for x in r["score"]["components"]]
        assert [(x["rule"], x["severity"]) for x in shown["recs"]] == \
               [(x["rule"], x["severity"]) for x in r["recommendations"]]
        assert [x["title"] for x in shown["recs"]] == [x["title"] for x in r["recommendations"]]
        assert sorted(tuple(f[k] for k in ("name",) + FUNCTION_KEYS) for f in shown["functions"]) == \
               sorted(tuple(f[k] for k in ("name",) + FUNCTION_KEYS) for f in r["functions"])
        assert sorted((t["fn"], t["tid"], t["calls"], t["total_ns"], t["self_ns"]) for t in shown["threads"]) == \
               sorted((f["name"], t["tid"], t["calls"], t["total_ns"], t["self_ns"])
                      for f in r["functions"] for t in f["threads"])
        assert [(x["name"], x["total"], x["updates"]) for x in shown["counters"]] == \
               sorted(((x["name"], x["total"], x["updates"]) for x in r["counters"]), key=lambda x: -x[1])
        assert [x["ns"] for x in shown["marks_table"]] == [m["ns"] for m in r["marks"]]
        assert [x["count"] for x in shown["sizes"]] == [b["count"] for b in r["size_histogram"]]
        # Sites and leaks: those of the text report with the page's --top, with what was left out said.
        assert site_rows(shown["sites"]) == site_rows(c["sites"])
        assert sorted((x["reallocs"], x["realloc_const_step"], x["max_size"]) for x in shown["reallocs"]) == \
               sorted((x["reallocs"], x["realloc_const_step"], x["max_size"]) for x in c["sites"] if x["reallocs"])
        left = [(x["shown"], x["total"]) for x in shown["left_out"] if "allocation sites" in x["text"]]
        assert left == ([(len(c["sites"]), len(r["sites"]))] if len(c["sites"]) < len(r["sites"]) else []), left
        assert sorted((x["kind"], x["bytes"]) for x in shown["leaks"]) == \
               sorted((x["kind"], x["bytes"]) for x in c["leaks"])
        assert shown["marks"] == [m["name"] for m in r["marks"]]
        # The zone view: one frame per node of zone_tree, with its total; the root holds its children.
        if len(r["zone_tree"]) > 1:
            assert frames_of(shown, "zones")[0]["depth"] == 0
        check_flame(shown, r)


@hp.timeout(120)
def test_html_report_in_chromium():
    chromium()
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "zones.hpt")
        assert proc.returncode == 0, proc.stderr
        hostile = d / HOSTILE_NAME
        shutil.copy(hp.program("leak_patterns"), hostile)
        proc, traces = hp.record([hostile, "fork", HOSTILE_ARG], output=d / "leaks.hpt")
        assert proc.returncode == 0 and len(traces) == 2, proc.stderr
        proc, _ = hp.record([hp.program("demo"), str(BATCHES)], output=d / "demo.hpt")
        assert proc.returncode == 0, proc.stderr

        # rec_stack_paths: its 37 or so sites, more than a page with --top 5 holds.
        proc, _ = hp.record([hp.program("rec_stack_paths")], output=d / "paths.hpt")
        assert proc.returncode == 0, proc.stderr

        reports, capped, top = {}, {}, {"paths": ("--top", "5")}
        for name in ("demo", "zones", "leaks", "paths"):
            write_html(d / f"{name}.hpt", d / f"{name}.html", *top.get(name, ()))
            reports[name] = hp.report_json(d / f"{name}.hpt", "--top", "0", "--threads")
            capped[name] = hp.report_json(d / f"{name}.hpt", *top.get(name, ()))
        result, console, shot = browse(d, [("demo", d / "demo.html", "parse_line", "parse_line"),
                                           ("zones", d / "zones.html", "inner", None),
                                           ("leaks", d / "leaks.html", None, None),
                                           ("paths", d / "paths.html", None, None)])
        assert console == [], "\n".join(console)
        assert result["pwned"] is None, "the program's name ran as script"
        png_is_a_page(shot, 1280, 2000)
        pages = result["pages"]
        for name, page in pages.items():
            check_common(page, reports[name], capped[name])

        # The page holds the sites of the text report with its --top, and says how many it left out.
        paths = pages["paths"]["processes"][0]
        assert len(capped["paths"]["sites"]) < len(reports["paths"]["sites"]), "rec_stack_paths has few sites"
        assert len(paths["sites"]) == len(capped["paths"]["sites"]) and len(paths["left_out"]) == 1

        # Search: the rows and frames whose text holds the query stay shown or are marked; clearing it
        # shows every row again.
        found = pages["demo"]["search"]
        assert len(found["functions"]) == len([f for f in reports["demo"]["functions"] if "parse_line" in f["name"]])
        assert found["functions"] and all("parse_line" in x for x in found["functions"]), found
        assert 0 < len(found["sites"]) < found["all_sites"] and all("parse_line" in x for x in found["sites"])
        assert found["frames"] and all("parse_line" in x for x in found["frames"]), found["frames"]
        assert found["hidden_after"] == 0 and found["marked_after"] == 0, found

        # zone_sleeps: outer 5 calls, inner 10 nested in it, at least 250 and 200 ms; a mark per outer call.
        zones = pages["zones"]["processes"][0]
        assert {f["name"]: f["calls"] for f in zones["functions"]} == {"outer": 5, "inner": 10}
        outer, inner = one_frame(zones, "zones", "outer"), one_frame(zones, "zones", "inner")
        assert (outer["depth"], inner["depth"]) == (1, 2)
        assert outer["value"] >= 250e6 and inner["value"] >= 200e6
        assert zones["marks"] == ["outer done"] * 5
        assert pages["zones"]["title"].startswith("hookprof: zone_sleeps")
        # A click zooms on inner (the whole width), a click on the root resets; hover names the frame.
        z = pages["zones"]["interaction"]
        assert z["before"] < 0.95 * z["svg_width"] and z["zoomed"] >= z["svg_width"] - 2, z
        assert abs(z["reset"] - z["before"]) < 0.5, z
        assert "inner" in z["status"] and z["tooltip"] and z["tooltip"].startswith("inner"), z
        assert z["chart_tooltip"] and z["chart_tooltip"].startswith("at ") and "heap" in z["chart_tooltip"], z
        assert z["sort_first"]["calls"] == [10, 5] and z["sort_first"]["aria"] == "descending", z
        assert z["sort_second"]["calls"] == [5, 10] and z["sort_second"]["aria"] == "ascending", z

        # demo: 40 batches of 1000 lines, a checkpoint (and its mark) every 20 batches.
        demo = pages["demo"]["processes"][0]
        calls = {f["name"]: f["calls"] for f in demo["functions"]}
        assert (calls["process_batch"], calls["parse_line"], calls["checkpoint"]) == (BATCHES, BATCHES * 1000, 2)
        assert demo["marks"] == ["checkpoint"] * 2
        names = {f["name"] for f in frames_of(demo, "zones")}
        assert {"process_batch", "parse", "parse_line", "aggregate", "lookup_region", "checkpoint"} <= names
        assert one_frame(demo, "zones", "process_batch")["depth"] == 1
        assert {"main", "process_batch", "parse_line", "remember_slow"} <= {f["name"] for f in frames_of(demo, "bytes")}
        d_int = pages["demo"]["interaction"]
        assert d_int["zoomed"] >= d_int["svg_width"] - 2 and d_int["bytes_shown"] and d_int["zones_hidden"], d_int
        assert d_int["inverted_shown"], d_int
        assert d_int["sort_first"]["calls"] == sorted((f["calls"] for f in demo["functions"]), reverse=True)

        # Screenshots kept for a reader of the build (build/screenshots/): the top of the demo's page,
        # which the harness drew first, and its flame graph.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / "demo-report.png")
        screenshot_flame(d, d / "demo.html", SCREENSHOTS / "demo-flame.png")
        png_is_a_page(SCREENSHOTS / "demo-report.png", 1280, 2000)
        png_is_a_page(SCREENSHOTS / "demo-flame.png", 1280, 1000)

        # leak_patterns: its leaks by kind, its child's (its parent's heap and 123 bytes of its own), the
        # markup in its name and argv shown as text.
        leaks = pages["leaks"]
        root, child = leaks["processes"]
        assert reports["leaks"]["summary"]["leak_kinds"]["definite"]["bytes"] == 635
        assert sum(x["bytes"] for x in root["leaks"] if x["kind"] == "definite") == 635
        assert sum(x["bytes"] for x in child["leaks"] if x["kind"] == "definite") == 635 + 123
        assert one_frame(root, "bytes", "direct_leaks")["value"] == 500
        assert root["program"] == child["program"] == HOSTILE_NAME
        assert HOSTILE_ARG in root["argv"]
        assert "zones" not in root["flame"] and root["functions"] == []


def test_html_output_errors():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr

        def report(*args):
            return hp.run([hp.ANALYZE, "report", *args])

        # A directory that does not exist, a file where a directory should be, a directory as the file.
        (d / "plain").write_text("x")
        (d / "dir.html").mkdir()
        for target, why in ((d / "missing" / "r.html", "No such file or directory"),
                            (d / "plain" / "r.html", "Not a directory"),
                            (d / "dir.html", "Is a directory")):
            proc = report("--html", target, d / "t.hpt")
            assert proc.returncode == 1 and proc.stdout == "", proc
            assert proc.stderr.splitlines() == [f"hookprof: cannot write '{target}': {why}"], proc.stderr
        assert sorted(p.name for p in d.iterdir()) == ["dir.html", "plain", "t.hpt"], "a partial file was left"

        # A trace that cannot be read leaves no page behind either; an existing page is replaced whole.
        proc = report("--html", d / "r.html", d / "nothing.hpt")
        assert proc.returncode == 1 and not (d / "r.html").exists() and not (d / "r.html.tmp").exists()
        (d / "r.html").write_text("old")
        assert report("--html", d / "r.html", d / "t.hpt").returncode == 0
        assert (d / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

        # Usage errors: --html with a format, with several traces, without a file.
        for args in (("--format", "json", "--html", d / "x.html", d / "t.hpt"),
                     ("--html", d / "x.html", d / "t.hpt", d / "t.hpt"),
                     ("--html",)):
            proc = report(*args)
            assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc
            assert proc.stderr.startswith("hookprof: report: --html"), proc.stderr
        assert not (d / "x.html").exists()


def test_html_on_a_full_disk():
    with hp.tmpdir() as d:
        proc, _ = hp.record([hp.program("zone_sleeps")], output=d / "t.hpt")
        assert proc.returncode == 0, proc.stderr
        mnt = d / "small"
        mnt.mkdir()
        # 16 KiB: the page (some 40 KiB) does not fit.
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mnt)],
                                                capture_output=True).returncode != 0:
            raise hp.Skip("cannot mount a small tmpfs here")
        try:
            proc = hp.run([hp.ANALYZE, "report", "--html", mnt / "r.html", d / "t.hpt"])
            assert proc.returncode == 1, proc
            lines = proc.stderr.splitlines()
            assert len(lines) == 1 and "No space left on device" in lines[0], proc.stderr
            assert list(mnt.iterdir()) == [], "a partial page was left"
        finally:
            subprocess.run(["umount", str(mnt)], capture_output=True)
