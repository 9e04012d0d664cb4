/* report.js: draws the HTML report from the JSON in #hp-data (docs/json-schema.md), with no library and no network. */
"use strict";

(function () {
	/* Every string of the data comes from the traced program (function names, files, marks): it only
	 * ever reaches the page as text nodes and attribute values, never as markup. */
	var SVG = "http://www.w3.org/2000/svg";
	var ROW = 18;               /* flame graph: height of one frame */
	var CHAR = 7;               /* flame graph: width of one character of its 11.5px monospace font */
	var redraws = [];           /* what to draw again when the window's width changes */

	/* ---- building the DOM ---- */

	/* el("td", {class: "num"}, "12", child): attributes by setAttribute, strings as text nodes. */
	function el(tag, attrs, children) {
		var e = document.createElement(tag);
		setAttrs(e, attrs);
		append(e, Array.prototype.slice.call(arguments, 2));
		return e;
	}

	function svg(tag, attrs) {
		var e = document.createElementNS(SVG, tag);
		setAttrs(e, attrs);
		append(e, Array.prototype.slice.call(arguments, 2));
		return e;
	}

	function setAttrs(e, attrs) {
		for (var k in attrs || {})
			if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false)
				e.setAttribute(k, String(attrs[k]));
	}

	function append(e, kids) {
		kids.forEach(function (k) {
			if (k === null || k === undefined || k === false)
				return;
			if (Array.isArray(k))
				append(e, k);
			else
				e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
		});
	}

	/* ---- numbers as people read them ---- */

	/* Three significant digits without exponents: 1.23, 12.3, 123. */
	function sig3(v) {
		var a = Math.abs(v);
		return v.toFixed(a < 9.995 ? 2 : a < 99.95 ? 1 : 0);
	}

	function fmtNs(ns) {
		if (ns === null || ns === undefined)
			return "–";
		if (ns < 1e3)
			return Math.round(ns) + " ns";
		if (ns < 999.5e3)
			return sig3(ns / 1e3) + " µs";
		if (ns < 999.5e6)
			return sig3(ns / 1e6) + " ms";
		return sig3(ns / 1e9) + " s";
	}

	function fmtBytes(b) {
		var units = ["KiB", "MiB", "GiB", "TiB"], u = -1;
		if (b === null || b === undefined)
			return "–";
		if (b < 1024)
			return b + " B";
		while (b >= 1023.5 && u < units.length - 1) {
			b /= 1024;
			u++;
		}
		return sig3(b) + " " + units[u];
	}

	function fmtCount(n) {
		return n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US");
	}

	function plural(n, what) {
		return fmtCount(n) + " " + what + (n === 1 ? "" : "s");
	}

	function fmtRate(n) {
		if (n >= 1e9) return sig3(n / 1e9) + "G";
		if (n >= 1e6) return sig3(n / 1e6) + "M";
		if (n >= 1e3) return sig3(n / 1e3) + "k";
		return sig3(n);
	}

	function fmtPct(share) {
		if (!isFinite(share))
			return "–";
		var p = share * 100;
		return p > 0 && p < 0.1 ? "<0.1%" : p.toFixed(1) + "%";
	}

	function basename(path) {
		return path ? String(path).replace(/^.*\//, "") : path;
	}

	/* A frame's name, or module+offset (the same in every run, unlike ip) when it has none. */
	function frameName(f) {
		if (f.function)
			return f.function;
		return f.module && f.module_offset ? basename(f.module) + "+" + f.module_offset : f.ip || "?";
	}

	/* "name (file.c:42)", "name (in libfoo.so)", "libfoo.so+0x12ab" */
	function fmtFrame(f) {
		var name = frameName(f);
		if (!f.function)
			return name;
		if (f.file)
			return name + " (" + basename(f.file) + (f.line ? ":" + f.line : "") + ")";
		if (f.module)
			return name + " (in " + basename(f.module) + ")";
		return name;
	}

	function fmtWhere(file, line) {
		return file ? basename(file) + (line ? ":" + line : "") : "";
	}

	/* ---- the tooltip shared by the charts ---- */

	var tip = document.getElementById("hp-tooltip");

	function showTip(event, lines) {
		tip.textContent = "";
		lines.forEach(function (line) { tip.appendChild(el("div", null, line)); });
		tip.hidden = false;
		var x = event.clientX + 14, y = event.clientY + 14, w = tip.offsetWidth, h = tip.offsetHeight;
		if (x + w > window.innerWidth - 4)
			x = Math.max(4, event.clientX - w - 14);
		if (y + h > window.innerHeight - 4)
			y = Math.max(4, event.clientY - h - 14);
		tip.style.left = x + "px";
		tip.style.top = y + "px";
	}

	function hideTip() {
		tip.hidden = true;
	}

	/* ---- sections ---- */

	function panel(id, title) {
		var p = el("section", {class: "panel", id: id});
		if (title)
			p.appendChild(el("h2", null, title));
		return p;
	}

	function endText(s) {
		if (!s.ended)
			return "end not recorded";
		switch (s.end_how) {
		case "exit": return "exited with status " + s.end_status;
		case "_exit": return "_exit(" + s.end_status + ")";
		case "signal": return "killed by signal " + s.end_status;
		case "exec": return "replaced itself by exec";
		default: return String(s.end_how);
		}
	}

	function scoreGauge(score) {
		var r = 34, c = 2 * Math.PI * r, v = Math.max(0, Math.min(100, score.value));
		var g = svg("svg", {viewBox: "0 0 84 84", role: "img", "aria-label": "score " + v + " of 100"},
			svg("circle", {cx: 42, cy: 42, r: r, fill: "none", stroke: "var(--line)", "stroke-width": 8}),
			svg("circle", {cx: 42, cy: 42, r: r, fill: "none", stroke: "var(--score)", "stroke-width": 8,
				"stroke-linecap": "round", "stroke-dasharray": (c * v / 100) + " " + c,
				transform: "rotate(-90 42 42)"}),
			svg("text", {x: 42, y: 51, "text-anchor": "middle", class: "value"}, v));
		return el("div", {class: "score score-" + score.category, "data-score": v},
			g, el("div", null, el("div", {class: "label"}, score.category), el("div", {class: "muted small"}, "score out of 100")));
	}

	function header(r, isChild) {
		var s = r.summary;
		var facts = [["pid", s.pid], ["parent", s.ppid], ["run time", fmtNs(s.run_ns)], ["", endText(s)]];
		var who = el("div", {class: "who"},
			el("div", {class: "muted small"}, isChild ? "child process" : "hookprof report"),
			el("h1", {title: s.program || ""}, basename(s.program) || "(unknown program)"),
			el("ul", {class: "facts"}, facts.map(function (f) {
				return el("li", null, f[0] ? f[0] + " " : "", el("b", null, f[1]));
			})),
			s.argv && s.argv.length ? el("div", {class: "argv mono muted"}, s.argv.join(" ")) : null);
		return el("section", {class: "panel header", id: r.anchor + "-top"}, who, scoreGauge(r.score));
	}

	function recommendations(r) {
		var p = panel(r.anchor + "-advice", "Recommendations");
		if (!r.recommendations.length) {
			p.appendChild(el("p", {class: "empty"}, "Nothing to recommend: no rule found a problem."));
			return p;
		}
		p.appendChild(el("ol", {class: "recs"}, r.recommendations.map(function (rec) {
			return el("li", {class: "rec sev-" + rec.severity, "data-rule": rec.rule},
				el("div", null, el("span", {class: "chip"}, rec.severity), el("span", {class: "title"}, rec.title)),
				el("div", {class: "where"}, rec.location),
				el("p", {class: "detail"}, rec.detail));
		})));
		return p;
	}

	function warnings(r) {
		if (!r.warnings.length)
			return null;
		var p = panel(r.anchor + "-warnings", "Warnings");
		p.classList.add("warnings");
		p.appendChild(el("ul", null, r.warnings.map(function (w) { return el("li", null, w); })));
		return p;
	}

	function cards(r) {
		var s = r.summary, definite = s.leak_kinds.definite.bytes;
		var list = [
			["run_ns", "Run time", fmtNs(s.run_ns), endText(s)],
			["cpu_ns", "CPU time", fmtNs(s.cpu_ns), s.run_ns ? fmtPct(s.cpu_ns / s.run_ns) + " of run time" : ""],
			["allocations", "Allocations", fmtCount(s.allocations), fmtRate(s.allocations_per_second) + "/s, " +
				fmtCount(s.frees) + " frees"],
			["bytes_allocated", "Bytes allocated", fmtBytes(s.bytes_allocated),
				s.allocations ? fmtBytes(Math.round(s.bytes_allocated / s.allocations)) + " on average" : ""],
			["peak_heap_bytes", "Peak heap", fmtBytes(s.peak_heap_bytes), "at " + fmtNs(s.peak_heap_ns)],
			["peak_rss", "Peak RSS", fmtBytes(s.peak_rss), ""],
			["leaked_bytes", "Leaked", fmtBytes(s.leaked_bytes), plural(s.leaked_blocks, "block") + ", " +
				fmtBytes(definite) + " definitely lost"],
			["threads", "Threads", fmtCount(s.threads), fmtCount(s.events) + " events"]
		];
		var p = panel(r.anchor + "-summary", "Summary");
		p.appendChild(el("div", {class: "cards"}, list.map(function (c) {
			var bad = c[0] === "leaked_bytes" && definite > 0;
			return el("div", {class: "card" + (bad ? " bad" : ""), "data-key": c[0], "data-value": s[c[0]]},
				el("div", {class: "k"}, c[1]), el("div", {class: "v", title: fmtCount(s[c[0]])}, c[2]),
				el("div", {class: "s"}, c[3]));
		})));
		p.appendChild(summaryDetails(r));
		return p;
	}

	/* ---- the function table, sorted by a click on a column's header ---- */

	var COLUMNS = [
		{key: "name", label: "Function", num: false},
		{key: "calls", label: "Calls", num: true, fmt: fmtCount},
		{key: "total_ns", label: "Total", num: true, fmt: fmtNs},
		{key: "self_ns", label: "Self", num: true, fmt: fmtNs},
		{key: "mean_ns", label: "Mean", num: true, fmt: fmtNs},
		{key: "min_ns", label: "Min", num: true, fmt: fmtNs},
		{key: "max_ns", label: "Max", num: true, fmt: fmtNs},
		{key: "stddev_ns", label: "Stddev", num: true, fmt: fmtNs},
		{key: "p50_ns", label: "p50", num: true, fmt: fmtNs},
		{key: "p95_ns", label: "p95", num: true, fmt: fmtNs},
		{key: "p99_ns", label: "p99", num: true, fmt: fmtNs},
		{key: "share", label: "Share", num: true, fmt: fmtPct},
		{key: "allocs", label: "Allocs", num: true, fmt: fmtCount},
		{key: "alloc_bytes", label: "Bytes", num: true, fmt: fmtBytes},
		{key: "score", label: "Score", num: true, fmt: function (v) { return Math.round(v); }}
	];

	function functionsTable(r) {
		var p = panel(r.anchor + "-functions", "Functions");
		if (!r.functions.length) {
			p.appendChild(el("p", {class: "empty"},
				"No zones or instrumented functions in this trace (HP_FUNC, HP_ZONE, -finstrument-functions)."));
			return p;
		}
		var order = {key: "total_ns", dir: -1}, tbody = el("tbody");
		var heads = COLUMNS.map(function (c) {
			var th = el("th", {class: c.num ? "num" : null, scope: "col", "data-key": c.key},
				el("button", {type: "button"}, c.label));
			th.firstChild.addEventListener("click", function () {
				order = {key: c.key, dir: order.key === c.key ? -order.dir : c.num ? -1 : 1};
				fill();
			});
			return th;
		});
		var rows = r.functions.map(function (f) {
			return el("tr", {"data-name": f.name, "data-search": f.name + " " + fmtWhere(f.file, f.line)},
				COLUMNS.map(function (c) {
				if (!c.num)
					return el("td", null, el("span", {class: "fname"}, f.name),
						f.kind === "instrumented" ? el("span", {class: "kind"}, "instrumented") : null,
						el("div", {class: "floc"}, fmtWhere(f.file, f.line)));
				var td = el("td", {class: "num", "data-key": c.key, "data-value": f[c.key]}, c.fmt(f[c.key]));
				if (c.key === "total_ns")
					td.title = fmtPct(f.share) + " of the run time";
				return td;
			}));
		});
		function fill() {
			var key = order.key;
			var sorted = rows.map(function (row, i) { return [r.functions[i], row]; });
			sorted.sort(function (a, b) {
				var x = a[0][key], y = b[0][key];
				if (key === "name")
					return order.dir * String(x).localeCompare(String(y));
				return order.dir * ((x || 0) - (y || 0));
			});
			tbody.textContent = "";
			sorted.forEach(function (pair) { tbody.appendChild(pair[1]); });
			heads.forEach(function (th, i) {
				if (COLUMNS[i].key === key)
					th.setAttribute("aria-sort", order.dir < 0 ? "descending" : "ascending");
				else
					th.removeAttribute("aria-sort");
			});
		}
		fill();
		p.appendChild(el("div", {class: "scroll"}, el("table", {class: "functions"},
			el("thead", null, el("tr", null, heads)), tbody)));
		p.appendChild(el("p", {class: "muted small"},
			"Times are of one call (mean, percentiles) or summed over calls (total, self). Click a column to sort."));
		return p;
	}

	/* ---- flame graphs ---- */

	function node(name, where, parent) {
		return {name: name, where: where, value: 0, self: 0, calls: 0, children: [], parent: parent,
			depth: parent ? parent.depth + 1 : 0};
	}

	/* Zone time: zone_tree as it is; the root holds what its children hold. */
	function zoneTree(r) {
		var nodes = [], root = null;
		r.zone_tree.forEach(function (z, i) {
			if (i === 0 || z.parent < 0 || z.parent >= i) {
				root = root || node("all zones", "", null);
				nodes.push(root);
				return;
			}
			var parent = nodes[z.parent], n = node(z.name || "?", fmtWhere(z.file, z.line), parent);
			n.value = z.total_ns;
			n.self = z.self_ns;
			n.calls = z.calls;
			parent.children.push(n);
			nodes.push(n);
		});
		if (!root || !root.children.length)
			return null;
		root.children.forEach(function (c) { root.value += c.value; });
		return root;
	}

	/* A stable colour per name: warm for time, cool for bytes. */
	function colour(name, cool) {
		var h = 0;
		for (var i = 0; i < name.length; i++)
			h = (h * 31 + name.charCodeAt(i)) >>> 0;
		var hue = cool ? 170 + h % 60 : h % 50, light = 55 + (h >>> 8) % 15;
		return "hsl(" + hue + "," + (cool ? 55 : 80) + "%," + light + "%)";
	}

	/* An icicle of `root` (drawn top-down), zoomed on one frame: its ancestors span the width above it
	 * (faded), its descendants share the width by value. A click zooms; a click on the root resets. */
	function flameGraph(root, opts) {
		var box = el("div", {class: "flame-box"});
		var status = el("div", {class: "flame-status", "aria-live": "polite"});
		var zoomed = root, frames = [];

		function describe(n) {
			var lines = [n.name + (n.where ? "  " + n.where : ""),
				opts.fmt(n.value) + " — " + fmtPct(n.value / root.value) + " of all" +
					(n.parent && n !== root ? ", " + fmtPct(n.value / n.parent.value) + " of " + n.parent.name : "")];
			if (opts.extra)
				lines.push(opts.extra(n));
			return lines;
		}

		function draw() {
			var width = Math.max(200, box.clientWidth || box.parentNode.clientWidth || 800);
			var pxPer = width / (zoomed.value || 1), maxDepth = zoomed.depth;
			frames = [];
			for (var a = zoomed; a; a = a.parent)
				frames.push({n: a, x: 0, w: width, above: a !== zoomed});
			(function layout(n, x) {
				var sum = 0;
				n.children.forEach(function (c) { sum += c.value; });
				/* Merged threads may make the children's sum exceed the parent's total: squeeze them. */
				var scale = sum > n.value && sum > 0 ? n.value / sum : 1;
				var kids = n.children.slice().sort(function (p, q) { return q.value - p.value; });
				kids.forEach(function (c) {
					var w = c.value * scale * pxPer;
					if (w >= 0.5) {
						frames.push({n: c, x: x, w: w, above: false});
						maxDepth = Math.max(maxDepth, c.depth);
						layout(c, x);
					}
					x += w;
				});
			})(zoomed, 0);

			var g = svg("svg", {class: "flame", width: width, height: (maxDepth + 1) * ROW + 2,
				viewBox: "0 0 " + width + " " + ((maxDepth + 1) * ROW + 2), role: "img",
				"aria-label": opts.label, "data-view": opts.view});
			frames.forEach(function (f, i) {
				var n = f.n, chars = Math.floor((f.w - 8) / CHAR), label = null;
				if (chars >= 3)
					label = n.name.length > chars ? n.name.slice(0, chars - 1) + "…" : n.name;
				g.appendChild(svg("g", {class: "frame" + (f.above ? " above" : ""), "data-i": i,
					"data-name": n.name, "data-depth": n.depth, "data-value": n.value, tabindex: 0,
					role: "button"},
					svg("title", null, describe(n).join("\n")),
					svg("rect", {x: f.x.toFixed(2), y: n.depth * ROW, width: Math.max(0.5, f.w - 1).toFixed(2),
						height: ROW - 1, rx: 2, fill: n === root ? "var(--head)" : colour(n.name, opts.cool)}),
					label ? svg("text", {x: (f.x + 4).toFixed(2), y: n.depth * ROW + 13}, label) : null));
			});
			box.textContent = "";
			box.appendChild(g);
			if (query)
				applySearch();
			status.textContent = zoomed === root ? opts.hint : "Zoomed on " + zoomed.name + ": " +
				opts.fmt(zoomed.value) + " (" + fmtPct(zoomed.value / root.value) + " of all). Click the top frame to reset.";
		}

		function frameOf(event) {
			var g = event.target.closest ? event.target.closest("g.frame") : null;
			return g ? frames[Number(g.getAttribute("data-i"))] : null;
		}

		function zoom(n) {
			zoomed = n === zoomed && n.parent ? n.parent : n;
			draw();
		}

		box.addEventListener("click", function (e) {
			var f = frameOf(e);
			if (f)
				zoom(f.n);
		});
		box.addEventListener("keydown", function (e) {
			var f = frameOf(e);
			if (f && (e.key === "Enter" || e.key === " ")) {
				e.preventDefault();
				zoom(f.n);
			}
		});
		box.addEventListener("mousemove", function (e) {
			var f = frameOf(e);
			if (f)
				showTip(e, describe(f.n));
			else
				hideTip();
		});
		box.addEventListener("mouseleave", hideTip);
		return {element: el("div", null, box, status), draw: draw, reset: function () { zoomed = root; draw(); }};
	}

	/* Allocation costs: the page's flame tree (report_html.c), built from every site's stack from the
	 * outermost frame in to the first frame of the program's own code, cut to its heaviest frames; what
	 * a frame's left-out callees hold is drawn as one "(smaller stacks)" frame below it. */
	function costTree(r, cost) {
		var f = r.page && r.page.flame, c = f ? f.costs.indexOf(cost) : -1, nc = f ? f.costs.length : 0;
		if (c < 0 || !f.nodes.length || !(f.nodes[0][2 + c] > 0))
			return null;
		var nodes = [];
		f.nodes.forEach(function (a, i) {
			var parent = i ? nodes[a[0]] : null;
			if (i && (!parent || !(a[2 + c] > 0))) {
				nodes.push(null);
				return;
			}
			var n = node(i ? f.names[a[1]] : COSTS[cost].root, "", parent);
			n.value = a[2 + c];
			n.left = a[2 + nc + c];
			if (parent)
				parent.children.push(n);
			nodes.push(n);
		});
		var root = nodes[0];
		(function fix(n) {
			if (n.left > 0) {
				var o = node("(smaller stacks)", "callees too small to embed", n);
				o.value = o.self = n.left;
				n.children.push(o);
			}
			var sum = 0;
			n.children.forEach(function (k) {
				if (k.name !== "(smaller stacks)")
					fix(k);
				sum += k.value;
			});
			n.self = Math.max(0, n.value - sum);
		})(root);
		return root;
	}

	/* Bottom-up: each frame's own cost (self) under the frame itself, its callers below it, so the
	 * functions that allocate (or take time) themselves are the widest frames at the top. */
	function invert(root, rootName) {
		var inv = node(rootName, "", null);
		(function walk(n) {
			if (n !== root && n.self > 0) {
				inv.value += n.self;
				var at = inv;
				for (var a = n; a && a !== root; a = a.parent) {
					at.byName = at.byName || new Map();
					var k = at.byName.get(a.name);
					if (!k) {
						k = node(a.name, a.where, at);
						at.children.push(k);
						at.byName.set(a.name, k);
					}
					k.value += n.self;
					k.calls += n === a ? n.calls : 0;
					at = k;
				}
				at.self += n.self;
			}
			n.children.forEach(walk);
		})(root);
		return inv.value > 0 ? inv : null;
	}

	/* The costs the folded export offers, as the flame graph's tabs. */
	var COSTS = {
		zones: {label: "Zone time", fmt: fmtNs, cool: false, root: "all zones",
			what: "zone time by call path: a frame's width is its total time"},
		allocs: {label: "Allocations", fmt: fmtCount, cool: true, root: "all allocations",
			what: "allocations by call stack: a frame's width is the allocations made below it"},
		bytes: {label: "Allocated bytes", fmt: fmtBytes, cool: true, root: "all allocations",
			what: "bytes allocated by call stack"},
		temporary: {label: "Temporary", fmt: fmtCount, cool: true, root: "all temporary allocations",
			what: "temporary allocations (freed right away) by call stack"},
		peak: {label: "At peak", fmt: fmtBytes, cool: true, root: "the heap at its peak",
			what: "bytes live at the heap's peak by call stack"},
		leaked: {label: "Leaked", fmt: fmtBytes, cool: true, root: "all lost bytes",
			what: "bytes lost at exit (definitely, indirectly or possibly) by call stack"}
	};

	function flameSection(r) {
		var p = panel(r.anchor + "-flame", "Flame graph");
		var views = [];
		Object.keys(COSTS).forEach(function (cost) {
			var cfg = COSTS[cost], top = cost === "zones" ? zoneTree(r) : costTree(r, cost);
			if (!top)
				return;
			[false, true].forEach(function (inverted) {
				var tree = inverted ? invert(top, cfg.root + " (bottom-up)") : top;
				if (!tree)
					return;
				views.push({cost: cost, inverted: inverted, graph: flameGraph(tree, {
					view: cost + (inverted ? "-inverted" : ""), fmt: cfg.fmt, cool: cfg.cool,
					label: cfg.what + (inverted ? ", bottom-up" : ""),
					hint: (inverted ? "Bottom-up, " : "Top-down, ") + cfg.what + (inverted ?
						"; a function's own cost at the top, its callers below." : "; callers above callees.") +
						" Click a frame to zoom.",
					extra: function (n) {
						if (cost === "zones")
							return n.calls ? fmtCount(n.calls) + " calls, self " + fmtNs(n.self) : "";
						return n.self ? "own " + cfg.fmt(n.self) : "";
					}})});
			});
		});
		if (!views.length) {
			p.appendChild(el("p", {class: "empty"}, "No zones and no allocations recorded: nothing to draw."));
			return p;
		}
		var costs = el("div", {class: "tabs", role: "tablist", "aria-label": "cost"});
		var dirs = el("div", {class: "tabs dirs", role: "tablist", "aria-label": "direction"});
		var state = {cost: views[0].cost, inverted: false}, current = null;
		views.forEach(function (v) {
			v.pane = el("div", {role: "tabpanel", "data-view": v.cost + (v.inverted ? "-inverted" : "")}, v.graph.element);
			if (v.inverted)
				return;
			var tab = el("button", {type: "button", role: "tab", "data-view": v.cost}, COSTS[v.cost].label);
			tab.addEventListener("click", function () { select({cost: v.cost, inverted: state.inverted}); });
			costs.appendChild(tab);
		});
		[["top-down", false], ["bottom-up", true]].forEach(function (d) {
			var tab = el("button", {type: "button", role: "tab", "data-dir": d[0]}, d[0]);
			tab.addEventListener("click", function () { select({cost: state.cost, inverted: d[1]}); });
			dirs.appendChild(tab);
		});
		var reset = el("button", {type: "button", class: "reset"}, "Reset zoom");
		reset.addEventListener("click", function () { current.graph.reset(); applySearch(); });
		dirs.appendChild(el("span", {class: "spacer"}));
		dirs.appendChild(reset);
		function select(want) {
			state = want;
			current = views.filter(function (v) { return v.cost === want.cost && v.inverted === want.inverted; })[0];
			views.forEach(function (v) { v.pane.hidden = v !== current; });
			costs.querySelectorAll("button").forEach(function (b) {
				b.setAttribute("aria-selected", b.getAttribute("data-view") === want.cost ? "true" : "false");
			});
			dirs.querySelectorAll("button[data-dir]").forEach(function (b) {
				b.setAttribute("aria-selected", (b.getAttribute("data-dir") === "bottom-up") === want.inverted ? "true" : "false");
			});
			current.graph.draw();
			applySearch();
		}
		p.appendChild(costs);
		p.appendChild(dirs);
		views.forEach(function (v) { p.appendChild(v.pane); });
		var f = r.page && r.page.flame;
		if (f && f.nodes_total > f.nodes.length)
			p.appendChild(el("p", {class: "muted small left-out", "data-shown": f.nodes.length, "data-total": f.nodes_total},
				"The allocation views hold the " + fmtCount(f.nodes.length) + " heaviest of " + fmtCount(f.nodes_total) +
				" frames (by their largest share of any cost); the rest are summed into \"(smaller stacks)\" frames. " +
				"hookprof-analyze export --format folded --cost COST has every stack."));
		select(state);
		/* Only the view shown is drawn (again when the width changes), the others when their tab is
		 * chosen: a dozen views of thousands of frames would slow the page down for nothing. */
		redraws.push(function () { current.graph.draw(); });
		return p;
	}

	/* ---- the memory timeline ---- */

	/* About n round steps from 0 to max: 1, 2 or 5 times a power of ten, or of 1024 for bytes. */
	function ticks(max, n, binary) {
		if (!(max > 0))
			return [0];
		var base = binary && max >= 1024 ? Math.pow(1024, Math.floor(Math.log(max) / Math.log(1024))) : 1;
		var raw = max / base / n, p = Math.pow(10, Math.floor(Math.log10(raw))), step;
		step = (raw / p < 1.5 ? 1 : raw / p < 3.5 ? 2 : raw / p < 7.5 ? 5 : 10) * p * base;
		var out = [0];
		while (out[out.length - 1] < max)
			out.push(out.length * step);
		return out;
	}

	/* A tick's label: "8 MiB", "2.5 MiB", "20 ms", "0". */
	function tickLabel(v, fmt) {
		return v === 0 ? "0" : fmt(v).replace(/\.0+ /, " ").replace(/(\.\d*[1-9])0+ /, "$1 ");
	}

	function timelineSection(r) {
		var p = panel(r.anchor + "-memory", "Memory over time");
		var pts = r.timeline;
		if (!pts.length) {
			p.appendChild(el("p", {class: "empty"}, "No samples of the heap in this trace."));
			return p;
		}
		var box = el("div", {class: "chart-box"});
		p.appendChild(box);
		p.appendChild(el("div", {class: "legend"},
			el("span", null, el("i", {class: "l-heap"}), "heap (live bytes, left axis)"),
			el("span", null, el("i", {class: "l-rss"}), "resident set size (right axis)"),
			r.marks.length ? el("span", null, el("i", {class: "l-mark"}), "marks (HP_MARK)") : null,
			el("span", null, "peak heap " + fmtBytes(r.summary.peak_heap_bytes) + " at " + fmtNs(r.summary.peak_heap_ns))));
		append(p, [timelineTable(r)]);

		function draw() {
			/* The heap on the left axis, the RSS on its own on the right: a small heap in a process whose
			 * RSS is mostly code and libraries would otherwise be a flat line at the bottom. */
			var hasRss = pts.some(function (q) { return q.rss > 0; });
			var W = Math.max(280, box.clientWidth || 800), H = 260;
			var L = 60, R = hasRss ? 60 : 14, T = r.marks.length ? 22 : 10, B = 26;
			var tmax = Math.max(r.summary.run_ns, pts[pts.length - 1].ns, 1);
			var hmax = Math.max(1, r.summary.peak_heap_bytes), rmax = 1;
			pts.forEach(function (q) {
				hmax = Math.max(hmax, q.heap_bytes);
				rmax = Math.max(rmax, q.rss);
			});
			var ht = ticks(hmax, 4, true), rt = ticks(rmax, 4, true);
			hmax = ht[ht.length - 1];
			rmax = rt[rt.length - 1];
			function X(ns) { return L + (W - L - R) * ns / tmax; }
			function Y(b, max) { return T + (H - T - B) * (1 - b / (max || hmax)); }

			var g = svg("svg", {class: "chart", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
				"aria-label": "heap and resident set size over the run"});
			ht.forEach(function (v) {
				g.appendChild(svg("line", {class: "grid", x1: L, x2: W - R, y1: Y(v), y2: Y(v)}));
				g.appendChild(svg("text", {class: "tick heap-tick", x: L - 6, y: Y(v) + 4, "text-anchor": "end"},
					tickLabel(v, fmtBytes)));
			});
			if (hasRss)
				rt.forEach(function (v) {
					g.appendChild(svg("text", {class: "tick rss-tick", x: W - R + 6, y: Y(v, rmax) + 4},
						tickLabel(v, fmtBytes)));
				});
			ticks(tmax, Math.max(2, Math.floor((W - L) / 110)), false).filter(function (v) {
				return v <= tmax;
			}).forEach(function (v) {
				g.appendChild(svg("text", {class: "tick", x: X(v), y: H - 8, "text-anchor": "middle"}, tickLabel(v, fmtNs)));
			});
			g.appendChild(svg("line", {class: "axis", x1: L, x2: W - R, y1: Y(0), y2: Y(0)}));

			function line(series, max) {
				return series.map(function (q, i) {
					return (i ? "L" : "M") + X(q[0]).toFixed(1) + " " + Y(q[1], max).toFixed(1);
				}).join("");
			}
			/* The samples, with the peak put in its place: it is known exactly, and seldom sampled. */
			var heapPts = pts.map(function (q) { return [q.ns, q.heap_bytes]; }), at = 0;
			while (at < heapPts.length && heapPts[at][0] < r.summary.peak_heap_ns)
				at++;
			if (r.summary.peak_heap_bytes > 0 && !(at < heapPts.length && heapPts[at][0] === r.summary.peak_heap_ns))
				heapPts.splice(at, 0, [r.summary.peak_heap_ns, r.summary.peak_heap_bytes]);
			var heap = line(heapPts);
			g.appendChild(svg("path", {class: "heap-area", d: heap + "L" + X(heapPts[heapPts.length - 1][0]).toFixed(1) +
				" " + Y(0) + "L" + X(heapPts[0][0]).toFixed(1) + " " + Y(0) + "Z"}));
			if (hasRss)
				g.appendChild(svg("path", {class: "rss", d: line(pts.map(function (q) { return [q.ns, q.rss]; }), rmax)}));
			g.appendChild(svg("path", {class: "heap", d: heap}));
			g.appendChild(svg("circle", {class: "peak", cx: X(r.summary.peak_heap_ns), cy: Y(r.summary.peak_heap_bytes), r: 3.5},
				svg("title", null, "peak heap " + fmtBytes(r.summary.peak_heap_bytes) + " at " + fmtNs(r.summary.peak_heap_ns))));

			/* Every mark gets its line; names are written where they do not run into the previous one. */
			var lastEnd = -Infinity;
			r.marks.forEach(function (m) {
				var x = X(m.ns), name = m.name === null ? "?" : m.name, label = null;
				if (x > lastEnd + 6) {
					label = name.length > 24 ? name.slice(0, 23) + "…" : name;
					lastEnd = x + label.length * 6;
				}
				g.appendChild(svg("g", {class: "mark", "data-name": name, "data-ns": m.ns},
					svg("title", null, name + " at " + fmtNs(m.ns)),
					svg("line", {x1: x, x2: x, y1: T - 4, y2: Y(0)}),
					label ? svg("text", {x: x + 3, y: T - 8}, label) : null));
			});

			var cursor = svg("line", {class: "cursor", y1: T, y2: Y(0), visibility: "hidden"});
			var hit = svg("rect", {x: L, y: 0, width: W - L - R, height: H, fill: "transparent"});
			g.appendChild(cursor);
			g.appendChild(hit);
			hit.addEventListener("mousemove", function (e) {
				var rect = g.getBoundingClientRect(), ns = (e.clientX - rect.left - L) / (W - L - R) * tmax;
				var lo = 0, hi = pts.length - 1;
				while (lo < hi) {
					var mid = (lo + hi) >> 1;
					if (pts[mid].ns < ns) lo = mid + 1; else hi = mid;
				}
				if (lo > 0 && ns - pts[lo - 1].ns < pts[lo].ns - ns)
					lo--;
				var q = pts[lo], x = e.clientX - rect.left;
				cursor.setAttribute("x1", X(q.ns));
				cursor.setAttribute("x2", X(q.ns));
				cursor.setAttribute("visibility", "visible");
				/* The marks under the pointer (their lines lie below this layer, so it names them). */
				var near = r.marks.filter(function (m) { return Math.abs(X(m.ns) - x) <= 4; });
				showTip(e, ["at " + fmtNs(q.ns), "heap " + fmtBytes(q.heap_bytes), "RSS " + fmtBytes(q.rss),
					fmtCount(q.allocs) + " allocations so far"].concat(near.slice(0, 3).map(function (m) {
					return "mark " + (m.name === null ? "?" : m.name) + " at " + fmtNs(m.ns);
				}), near.length > 3 ? ["and " + (near.length - 3) + " more marks"] : []));
			});
			hit.addEventListener("mouseleave", function () {
				cursor.setAttribute("visibility", "hidden");
				hideTip();
			});
			box.textContent = "";
			box.appendChild(g);
		}
		redraws.push(draw);
		return p;
	}

	/* ---- leaks ---- */

	/* Where a stack allocates: its first frame of the program's own code, with the caller added when
	 * other stacks share that frame (an allocation wrapper such as xmalloc), as the text report does. */
	function locator(r) {
		var seen = new Map(), shared = new Set();
		r.sites.concat(r.leaks).forEach(function (x) {
			var f = x.stack[x.user_frame || 0];
			if (!f)
				return;
			var key = fmtFrame(f);
			if (seen.has(key) && seen.get(key) !== x.stack_id)
				shared.add(key);
			seen.set(key, x.stack_id);
		});
		return function (x) {
			var uf = x.user_frame || 0, f = x.stack[uf], caller = x.stack[uf + 1];
			if (!f)
				return "stack #" + x.stack_id;
			return fmtFrame(f) + (shared.has(fmtFrame(f)) && caller ? " from " + fmtFrame(caller) : "");
		};
	}

	function stackList(l) {
		var uf = l.user_frame || 0;
		return el("details", null, el("summary", null, l.stack.length + " frames"),
			el("ol", {class: "stack"}, l.stack.map(function (f, i) {
				return el("li", {class: i === uf ? "user" : null}, fmtFrame(f),
					f.module && f.file ? el("span", {class: "muted"}, "  " + basename(f.module)) : null);
			})));
	}

	function leaksSection(r) {
		var p = panel(r.anchor + "-leaks", "Not freed at exit");
		var s = r.summary, kinds = ["definite", "indirect", "possible", "reachable", "unclassified"];
		var names = {definite: "definitely lost", indirect: "indirectly lost", possible: "possibly lost",
			reachable: "still reachable", unclassified: "not classified"};
		p.appendChild(el("div", {class: "kinds"}, kinds.filter(function (k) {
			return s.leak_kinds[k].blocks > 0;
		}).map(function (k) {
			return el("span", {class: "leak-" + k, "data-kind": k, "data-bytes": s.leak_kinds[k].bytes},
				el("span", {class: "chip"}, names[k]), fmtBytes(s.leak_kinds[k].bytes) + " in " +
				plural(s.leak_kinds[k].blocks, "block"));
		})));
		if (!r.leaks.length) {
			p.appendChild(el("p", {class: "empty"}, s.suppressed_blocks ?
				"Every block left at exit matches a suppression." : "Every block was freed."));
			return p;
		}
		if (!s.leaks_classified)
			p.appendChild(el("p", {class: "muted small"},
				"The trace has no reachability scan at exit, so leaks are not classified by kind."));
		var where = locator(r);
		var rows = r.leaks.map(function (l) {
			return el("tr", {class: "leak-" + l.kind, "data-kind": l.kind, "data-bytes": l.bytes,
				"data-search": where(l) + " " + l.stack.map(fmtFrame).join(" ")},
				el("td", null, el("span", {class: "chip"}, names[l.kind] || l.kind)),
				el("td", {class: "num", "data-value": l.bytes, title: fmtCount(l.bytes) + " bytes"}, fmtBytes(l.bytes)),
				el("td", {class: "num", "data-value": l.blocks}, fmtCount(l.blocks)),
				el("td", {class: "mono"}, where(l)),
				el("td", null, l.stack.length ? stackList(l) : ""));
		});
		p.appendChild(el("div", {class: "scroll"}, el("table", {class: "leaks"},
			el("thead", null, el("tr", null, el("th", null, "Kind"), el("th", {class: "num"}, "Bytes"),
				el("th", {class: "num"}, "Blocks"), el("th", null, "Location"), el("th", null, "Stack"))),
			el("tbody", null, rows))));
		if (r.page)
			append(p, [leftOut(r.leaks.length, r.page.leaks_total, "groups of blocks not freed",
				"the top " + r.page.sites_top + " by bytes")]);
		if (s.suppressed_blocks)
			p.appendChild(el("p", {class: "muted small"}, fmtBytes(s.suppressed_bytes) + " in " +
				plural(s.suppressed_blocks, "block") + " matched suppressions and are not listed."));
		return p;
	}

	/* ---- the other tables of the text report ---- */

	/* A table of items, each column {key, label, num, fmt, get, cell}: a numeric cell carries data-key and
	 * data-value (the JSON's figure), a row data-search (the text the search box matches). Sorted by a
	 * click on a header when sortKey is given. */
	function table(cls, cols, items, sortKey, searchText) {
		var order = {key: sortKey, dir: -1}, tbody = el("tbody");
		function value(c, x) { return c.get ? c.get(x) : x[c.key]; }
		var heads = cols.map(function (c) {
			var th = el("th", {class: c.num ? "num" : null, scope: "col", "data-key": c.key},
				sortKey ? el("button", {type: "button"}, c.label) : c.label);
			if (sortKey)
				th.firstChild.addEventListener("click", function () {
					order = {key: c.key, dir: order.key === c.key ? -order.dir : c.num ? -1 : 1};
					fill();
				});
			return th;
		});
		var rows = items.map(function (x) {
			return el("tr", {"data-search": searchText ? searchText(x) : null}, cols.map(function (c) {
				var v = value(c, x);
				if (c.cell)
					return el("td", {class: c.num ? "num" : null, "data-key": c.key,
						"data-value": c.num ? v : null}, c.cell(x));
				return el("td", {class: c.num ? "num" : null, "data-key": c.key, "data-value": c.num ? v : null},
					c.fmt ? c.fmt(v) : v);
			}));
		});
		function fill() {
			var pairs = rows.map(function (row, i) { return [items[i], row]; });
			if (order.key) {
				var col = cols.filter(function (c) { return c.key === order.key; })[0];
				pairs.sort(function (a, b) {
					var x = value(col, a[0]), y = value(col, b[0]);
					if (!col.num)
						return order.dir * String(x).localeCompare(String(y));
					return order.dir * ((x || 0) - (y || 0));
				});
			}
			tbody.textContent = "";
			pairs.forEach(function (pair) { tbody.appendChild(pair[1]); });
			heads.forEach(function (th, i) {
				if (sortKey && cols[i].key === order.key)
					th.setAttribute("aria-sort", order.dir < 0 ? "descending" : "ascending");
				else
					th.removeAttribute("aria-sort");
			});
		}
		fill();
		return el("div", {class: "scroll"}, el("table", {class: cls}, el("thead", null, el("tr", null, heads)), tbody));
	}

	/* Every figure of the summary, as the text report lists them. */
	function summaryDetails(r) {
		var s = r.summary, steady = r.page ? r.page.steady_heap_bytes : null;
		var list = [
			["trace", r.trace], ["window", s.window ? s.window + " (from " + fmtNs(s.window_from_ns) + ")" : "the whole run"],
			["events", fmtCount(s.events)], ["events lost", fmtCount(s.events_lost)],
			["recorder wait", fmtNs(s.wait_ns)], ["frees", fmtCount(s.frees)], ["reallocs", fmtCount(s.reallocs)],
			["failed allocations", fmtCount(s.failed_allocations)],
			["allocation rate", fmtRate(s.allocations_per_second) + "/s"],
			["steady heap", steady === null ? "–" : fmtBytes(steady)],
			["temporary allocations", fmtCount(s.temporary_allocations) + " (" +
				fmtPct(s.allocations ? s.temporary_allocations / s.allocations : 0) + " of allocations)"],
			["not freed at exit", fmtBytes(s.leaked_bytes) + " in " + plural(s.leaked_blocks, "block")],
			["suppressed", fmtBytes(s.suppressed_bytes) + " in " + plural(s.suppressed_blocks, "block")],
			["unmatched frees", fmtCount(s.unmatched_frees)], ["anomalies", fmtCount(s.anomalies)],
			["zone calls", fmtCount(s.zone_calls)], ["truncated", s.truncated ? "yes" : "no"]
		];
		return el("details", {class: "summary-details"}, el("summary", null, "Every figure of the summary"),
			el("dl", {class: "kv"}, list.map(function (kv) {
				return [el("dt", null, kv[0]), el("dd", {"data-key": kv[0]}, kv[1])];
			})));
	}

	function scoreSection(r) {
		var p = panel(r.anchor + "-score", "Score: " + r.score.value + "/100 (" + r.score.category + ")");
		p.appendChild(table("score-components", [
			{key: "name", label: "Component"},
			{key: "value", label: "Measured", num: true, cell: function (c) {
				var i = r.score.components.indexOf(c), m = r.page ? r.page.score_measured[i] : null;
				return m === null || m === undefined ? (c.value === null ? "–" : String(+c.value.toPrecision(4))) : m;
			}},
			{key: "score", label: "Score", num: true, get: function (c) { return c.applies ? c.score : null; },
				fmt: function (v) { return v === null ? "n/a" : v; }},
			{key: "weight", label: "Weight", num: true},
			{key: "measures", label: "What it measures", get: function (c) {
				return c.measures + (c.where ? ": " + c.where : "");
			}}
		], r.score.components, null, function (c) { return c.name + " " + (c.where || ""); }));
		p.appendChild(el("p", {class: "muted small"},
			"The score is the weighted mean of the components that apply; each scores 0 (bad) to 100 (good)."));
		return p;
	}

	function threadsSection(r) {
		var rows = [];
		r.functions.forEach(function (f) {
			(f.threads || []).forEach(function (t) {
				rows.push({fn: f.name, tid: t.tid, name: t.name, calls: t.calls, total_ns: t.total_ns, self_ns: t.self_ns});
			});
		});
		if (!rows.length)
			return null;
		var p = panel(r.anchor + "-threads", "Functions by thread");
		p.appendChild(table("threads", [
			{key: "fn", label: "Function"}, {key: "tid", label: "Thread", num: true},
			{key: "name", label: "Name", fmt: function (v) { return v === null ? "" : v; }},
			{key: "calls", label: "Calls", num: true, fmt: fmtCount},
			{key: "total_ns", label: "Total", num: true, fmt: fmtNs},
			{key: "self_ns", label: "Self", num: true, fmt: fmtNs}
		], rows, "total_ns", function (x) { return x.fn + " " + x.tid + " " + (x.name || ""); }));
		return p;
	}

	function countersMarks(r) {
		var p = panel(r.anchor + "-counters", "Counters and marks");
		if (r.counters.length)
			p.appendChild(table("counters", [
				{key: "name", label: "Counter"}, {key: "total", label: "Total", num: true, fmt: fmtCount},
				{key: "updates", label: "Updates", num: true, fmt: fmtCount},
				{key: "per_second", label: "Per second", num: true, fmt: function (v) { return fmtRate(v) + "/s"; }},
				{key: "first_ns", label: "First", num: true, fmt: fmtNs}, {key: "last_ns", label: "Last", num: true, fmt: fmtNs}
			], r.counters, "total", function (c) { return c.name; }));
		else
			p.appendChild(el("p", {class: "empty"}, "No counters (HP_COUNT) in this trace."));
		if (r.marks.length)
			p.appendChild(table("marks", [
				{key: "ns", label: "Time", num: true, fmt: fmtNs},
				{key: "tid", label: "Thread", num: true, fmt: function (v) { return v === null ? "–" : v; }},
				{key: "name", label: "Mark", fmt: function (v) { return v === null ? "?" : v; }}
			], r.marks, null, function (m) { return m.name || ""; }));
		else
			p.appendChild(el("p", {class: "empty"}, "No marks (HP_MARK) in this trace."));
		return p;
	}

	/* What the page left out of a table, said where the table is. */
	function leftOut(shown, total, what, why) {
		return total > shown ? el("p", {class: "muted small left-out", "data-shown": shown, "data-total": total},
			"This page holds " + fmtCount(shown) + " of the " + fmtCount(total) + " " + what + ": " + why +
			". report --html FILE --top 0 embeds them all.") : null;
	}

	function sitesSection(r) {
		var p = panel(r.anchor + "-sites", "Allocation sites");
		if (!r.sites.length) {
			p.appendChild(el("p", {class: "empty"}, "No allocations recorded."));
			return p;
		}
		var where = locator(r);
		p.appendChild(el("p", {class: "muted small"}, "Click a column to sort: by count (Allocs), bytes, peak " +
			"contribution (At peak), temporary allocations or live bytes, as the text report's tables."));
		p.appendChild(table("sites", [
			{key: "site", label: "Site", get: function (s) { return where(s); }},
			{key: "module", label: "Module", fmt: basename},
			{key: "allocs", label: "Allocs", num: true, fmt: fmtCount},
			{key: "bytes", label: "Bytes", num: true, fmt: fmtBytes},
			{key: "mean", label: "Mean", num: true, get: function (s) { return s.allocs ? Math.round(s.bytes / s.allocs) : 0; }, fmt: fmtBytes},
			{key: "temporary", label: "Temporary", num: true, fmt: fmtCount},
			{key: "peak_bytes", label: "At peak", num: true, fmt: fmtBytes},
			{key: "live_bytes", label: "Live", num: true, fmt: fmtBytes},
			{key: "frees", label: "Frees", num: true, fmt: fmtCount},
			{key: "leaked_bytes", label: "Leaked", num: true, fmt: fmtBytes},
			{key: "stack", label: "Stack", get: function (s) { return s.stack.length; },
				cell: function (s) { return s.stack.length ? stackList(s) : ""; }}
		], r.sites, "bytes", function (s) {
			return where(s) + " " + s.stack.map(fmtFrame).join(" ");
		}));
		var pg = r.page;
		if (pg)
			append(p, [leftOut(r.sites.length, pg.sites_total, "allocation sites",
				"the top " + pg.sites_top + " by each of count, bytes, peak contribution, temporary allocations and reallocs")]);
		return p;
	}

	function sizesReallocs(r) {
		var p = panel(r.anchor + "-sizes", "Allocation sizes and realloc chains");
		var total = 0;
		r.size_histogram.forEach(function (b) { total += b.count; });
		if (r.size_histogram.length)
			p.appendChild(table("sizes", [
				{key: "min_size", label: "Size", get: function (b) { return b.min_size; },
					cell: function (b) { return fmtBytes(b.min_size) + " .. " + fmtBytes(b.max_size); }},
				{key: "count", label: "Allocations", num: true, fmt: fmtCount},
				{key: "share", label: "Share", num: true, get: function (b) { return b.count / total; }, fmt: fmtPct},
				{key: "bar", label: "", get: function (b) { return b.count; }, cell: function (b) {
					var max = Math.max.apply(null, r.size_histogram.map(function (x) { return x.count; }));
					return el("span", {class: "bar", style: "width:" + Math.max(1, 200 * b.count / max).toFixed(0) + "px"});
				}}
			], r.size_histogram, null, null));
		else
			p.appendChild(el("p", {class: "empty"}, "No allocations recorded."));
		var chains = r.sites.filter(function (s) { return s.reallocs > 0; });
		var where = locator(r);
		p.appendChild(el("h3", null, "Realloc chains"));
		if (chains.length)
			p.appendChild(table("reallocs", [
				{key: "site", label: "Site", get: function (s) { return where(s); }},
				{key: "reallocs", label: "Reallocs", num: true, fmt: fmtCount},
				{key: "realloc_const_step", label: "Constant step", num: true,
					fmt: function (v) { return v ? fmtBytes(v) : "no (varies)"; }},
				{key: "max_size", label: "Largest", num: true, fmt: fmtBytes}
			], chains, "reallocs", function (s) { return where(s); }));
		else
			p.appendChild(el("p", {class: "empty"}, "No site reallocates a block."));
		return p;
	}

	function timelineTable(r) {
		if (!r.timeline.length)
			return null;
		return el("details", null, el("summary", null, "Heap timeline (" + plural(r.timeline.length, "point") + ")"),
			table("timeline", [
				{key: "ns", label: "Time", num: true, fmt: fmtNs},
				{key: "heap_bytes", label: "Heap", num: true, fmt: fmtBytes},
				{key: "rss", label: "RSS", num: true, fmt: fmtBytes},
				{key: "cpu_ns", label: "CPU", num: true, fmt: fmtNs},
				{key: "allocs", label: "Allocations", num: true, fmt: fmtCount}
			], r.timeline, null, null));
	}

	/* ---- search: rows and flame graph frames whose text holds the query ---- */

	var query = "";

	function applySearch() {
		var q = query.toLowerCase(), rows = 0, frames = 0;
		document.querySelectorAll("tr[data-search]").forEach(function (tr) {
			var hit = !q || tr.getAttribute("data-search").toLowerCase().indexOf(q) >= 0;
			tr.hidden = !hit;
			rows += q && hit ? 1 : 0;
		});
		document.querySelectorAll("svg.flame g.frame").forEach(function (g) {
			var hit = !!q && g.getAttribute("data-name").toLowerCase().indexOf(q) >= 0;
			g.classList.toggle("match", hit);
			frames += hit ? 1 : 0;
		});
		var out = document.getElementById("hp-search-status");
		out.textContent = q ? plural(rows, "row") + ", " + plural(frames, "frame") : "";
		out.setAttribute("data-rows", rows);
		out.setAttribute("data-frames", frames);
	}

	function searchBox() {
		var input = el("input", {type: "search", id: "hp-search", placeholder: "Search functions, sites…",
			"aria-label": "search the tables and flame graphs"});
		input.addEventListener("input", function () {
			query = input.value.trim();
			applySearch();
		});
		return el("span", {class: "search"}, input, el("span", {id: "hp-search-status", class: "muted small",
			"aria-live": "polite"}));
	}

	/* ---- the page ---- */

	function processSection(r, isChild) {
		return el("div", {class: "process" + (isChild ? " child" : ""), id: r.anchor, "data-pid": r.summary.pid},
			header(r, isChild), cards(r), scoreSection(r), recommendations(r), warnings(r), functionsTable(r),
			threadsSection(r), countersMarks(r), flameSection(r), sitesSection(r), sizesReallocs(r),
			timelineSection(r), leaksSection(r));
	}

	function nav(root) {
		var n = document.getElementById("hp-nav");
		var links = [["top", "hookprof"], ["summary", "Summary"], ["score", "Score"], ["advice", "Advice"],
			["functions", "Functions"], ["counters", "Counters"], ["flame", "Flame graph"], ["sites", "Sites"],
			["sizes", "Sizes"], ["memory", "Memory"], ["leaks", "Leaks"]];
		links.forEach(function (l, i) {
			n.appendChild(el("a", {href: "#" + root.anchor + "-" + l[0], class: i ? null : "brand"}, l[1]));
		});
		if (root.children.length)
			n.appendChild(el("a", {href: "#children"}, "Children (" + root.children.length + ")"));
		n.appendChild(searchBox());
	}

	function main() {
		var root = JSON.parse(document.getElementById("hp-data").textContent);
		var page = document.getElementById("hp-report");
		root.anchor = "p" + root.summary.pid;
		document.title = "hookprof: " + (basename(root.summary.program) || "report") + " (" + root.summary.pid + ")";
		nav(root);
		page.appendChild(processSection(root, false));
		if (root.children.length) {
			page.appendChild(el("h2", {id: "children", class: "children-title"},
				"Child processes (" + root.children.length + ")"));
			root.children.forEach(function (c, i) {
				c.anchor = "p" + c.summary.pid + "-" + i;
				page.appendChild(processSection(c, true));
			});
		}
		page.appendChild(el("footer", null, "hookprof report of " + root.trace +
			". Every figure is in the page: it needs no network."));
		/* The charts are drawn once in the page, at the width they get there, and again when it changes. */
		redraws.forEach(function (f) { f(); });
		var pending = 0;
		window.addEventListener("resize", function () {
			clearTimeout(pending);
			pending = setTimeout(function () { redraws.forEach(function (f) { f(); }); }, 120);
		});
		document.documentElement.setAttribute("data-state", "ready");
	}

	main();
})();
