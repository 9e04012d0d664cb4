/* history.js: draws the history page from the JSON in #hp-data (docs/history.md): a plot per run and the table, no network. */
"use strict";

(function () {
	/* Strings of the data (labels, function names) reach the page only as text nodes and attributes. */
	var SVG = "http://www.w3.org/2000/svg";

	function make(ns, tag, attrs, kids) {
		var e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
		for (var k in attrs || {})
			if (attrs[k] !== null && attrs[k] !== undefined)
				e.setAttribute(k, String(attrs[k]));
		(kids || []).forEach(function (c) {
			if (c !== null && c !== undefined)
				e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
		});
		return e;
	}
	function el(tag, attrs, kids) { return make(null, tag, attrs, kids); }
	function svg(tag, attrs, kids) { return make(SVG, tag, attrs, kids); }

	function sig3(v) {
		var a = Math.abs(v);
		return v.toFixed(a < 9.995 ? 2 : a < 99.95 ? 1 : 0);
	}
	function fmtNs(ns) {
		if (ns === null || ns === undefined) return "–";
		if (ns < 1e3) return Math.round(ns) + " ns";
		if (ns < 999.5e3) return sig3(ns / 1e3) + " µs";
		if (ns < 999.5e6) return sig3(ns / 1e6) + " ms";
		return sig3(ns / 1e9) + " s";
	}
	function fmtBytes(b) {
		var units = ["KiB", "MiB", "GiB", "TiB"], u = -1;
		if (b < 1024) return b + " B";
		while (b >= 1023.5 && u < units.length - 1) { b /= 1024; u++; }
		return sig3(b) + " " + units[u];
	}
	function fmtPct(x) { return (x >= 0 ? "+" : "") + (100 * x).toFixed(1) + "%"; }
	function fmtDate(t) { return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19); }

	/* A round step for about `n` ticks between 0 and max. */
	function niceStep(max, n) {
		var raw = max / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
		return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	}

	/* Lines of `series` ({name, values}) over the runs named by xs, values in nanoseconds. */
	function plot(xs, series, yfmt) {
		var W = 1100, H = 380, L = 80, R = 20, T = 16, B = 54;
		var max = 0;
		series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
		if (max <= 0) max = 1;
		var step = niceStep(max, 5), top = Math.ceil(max / step) * step;
		var x = function (i) { return L + (xs.length > 1 ? i * (W - L - R) / (xs.length - 1) : (W - L - R) / 2); };
		var y = function (v) { return T + (H - T - B) * (1 - v / top); };
		var g = svg("svg", {class: "plot", viewBox: "0 0 " + W + " " + H, role: "img",
			"aria-label": series.map(function (s) { return s.name; }).join(" and ") + " per run"});
		for (var v = 0; v <= top + step / 2; v += step) {
			g.appendChild(svg("line", {class: v ? "grid" : "axis", x1: L, x2: W - R, y1: y(v), y2: y(v)}));
			g.appendChild(svg("text", {x: L - 8, y: y(v) + 4, "text-anchor": "end"}, [yfmt(v)]));
		}
		var every = Math.max(1, Math.ceil(xs.length / 16));
		xs.forEach(function (name, i) {
			if (i % every === 0 || i === xs.length - 1)
				g.appendChild(svg("text", {x: x(i), y: H - B + 18, "text-anchor": "middle"}, [name]));
		});
		g.appendChild(svg("text", {x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle"}, ["run"]));
		series.forEach(function (s, k) {
			var d = s.values.map(function (val, i) { return (i ? "L" : "M") + x(i).toFixed(1) + " " + y(val).toFixed(1); });
			g.appendChild(svg("path", {class: "s" + k, d: d.join(" ")}));
			s.values.forEach(function (val, i) {
				g.appendChild(svg("circle", {class: "d" + k, cx: x(i), cy: y(val), r: 4,
					"data-series": s.name, "data-run": xs[i], "data-value": val},
					[svg("title", {}, [s.name + ", run " + xs[i] + ": " + yfmt(val)])]));
			});
		});
		var legend = el("div", {class: "legend"}, series.map(function (s, k) {
			return el("span", {}, [el("i", {style: "background: var(--" + (k ? "rss" : "heap") + ")"}), s.name]);
		}));
		return el("div", {}, [g, legend]);
	}

	function table(head, rows) {
		return el("div", {class: "scroll"}, [el("table", {}, [
			el("thead", {}, [el("tr", {}, head.map(function (h, i) { return el("th", {class: i > 2 ? "num" : null}, [h]); }))]),
			el("tbody", {}, rows.map(function (r) {
				return el("tr", {}, r.map(function (c, i) { return el("td", {class: i > 2 ? "num" : null}, [c]); }));
			}))])]);
	}

	function draw(data) {
		var page = document.getElementById("hp-history"), runs = data.runs, byId = {};
		runs.forEach(function (r) { byId[r.id] = r; });
		var name = function (r) { return r.label ? r.label : "#" + r.id; };
		page.appendChild(el("section", {class: "panel"}, [
			el("h1", {}, [data.function ? data.function.name + (data.function.file ? " (" + data.function.file + ")" : "")
				: "Runs"]),
			el("p", {class: "muted"}, [runs.length + " runs in " + data.database +
				(data.trend.runs > 1 ? "; trend of " + data.trend.program + " per run: run time " +
					fmtPct(data.trend.run_ns_per_run) + ", peak heap " + fmtPct(data.trend.peak_heap_per_run) : "")])]));
		var chart;
		if (data.function) {
			var pts = data.function.points;
			chart = plot(pts.map(function (p) { return name(byId[p.run]); }), [
				{name: "mean", values: pts.map(function (p) { return p.mean_ns; })},
				{name: "p95", values: pts.map(function (p) { return p.p95_ns; })}], fmtNs);
			page.appendChild(el("section", {class: "panel"}, [el("h2", {}, ["Mean and p95 per run"]), chart]));
			page.appendChild(el("section", {class: "panel"}, [el("h2", {}, ["Per run"]), table(
				["run", "added", "label", "calls", "mean", "p50", "p95", "p99", "cpu"],
				pts.map(function (p) {
					var r = byId[p.run];
					return ["#" + r.id, fmtDate(r.added_at), r.label || "", p.calls, fmtNs(p.mean_ns), fmtNs(p.p50_ns),
						fmtNs(p.p95_ns), fmtNs(p.p99_ns), p.cpu_ns === null ? "–" : fmtNs(p.cpu_ns)];
				}))]));
		} else {
			chart = plot(runs.map(name), [
				{name: "run time", values: runs.map(function (r) { return r.run_ns; })},
				{name: "CPU time", values: runs.map(function (r) { return r.cpu_ns; })}], fmtNs);
			page.appendChild(el("section", {class: "panel"}, [el("h2", {}, ["Run time and CPU time per run"]), chart]));
		}
		page.appendChild(el("section", {class: "panel"}, [el("h2", {}, ["Runs"]), table(
			["run", "added", "label", "program", "run time", "CPU", "allocations", "peak heap", "leaked", "score"],
			runs.map(function (r) {
				return ["#" + r.id, fmtDate(r.added_at), r.label || "", r.program, fmtNs(r.run_ns), fmtNs(r.cpu_ns),
					r.allocations, fmtBytes(r.peak_heap_bytes), fmtBytes(r.leaked_bytes), r.score];
			}))]));
	}

	draw(JSON.parse(document.getElementById("hp-data").textContent));
})();
