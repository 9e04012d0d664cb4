"""test_trace_bytes.py: scripts/trace-bytes reads every record of a trace as the analyzer does.

Its record counts are checked against the analyzer's own dump of the same trace: a decoder that
drifted from the format (docs/trace-format.md) would miscount or fail.
"""
import collections
import json
import re

import hp

TOOL = hp.ROOT / "scripts" / "trace-bytes"


def test_trace_bytes_counts_what_the_analyzer_reads():
    with hp.tmpdir() as d:
        proc, traces = hp.record([hp.program("rec_alloc_kinds")], d / "t.hpt", options=["--no-follow"])
        assert proc.returncode == 0, proc.stderr
        dumped = collections.Counter(json.loads(line)["type"]
                                     for line in hp.analyze(["dump", "--json", d / "t.hpt"]).splitlines())
        out = hp.run(["python3", TOOL, d / "t.hpt", "--naming", hp.ANALYZE])
        assert out.returncode == 0, out.stderr
        counts = {m.group(1).strip(): int(m.group(2).replace(",", ""))
                  for m in re.finditer(r"^(\w[\w ()]*?)\s+([\d,]+)\s+[\d,]+\s+[\d,]+\s+[\d.]+$", out.stdout, re.M)}
        assert counts.get("ALLOC (delta)", 0) + counts.get("ALLOC (recent)", 0) == dumped["alloc"], (counts, dumped)
        assert counts.get("FREE (delta)", 0) + counts.get("FREE (recent)", 0) == dumped["free"], (counts, dumped)
        assert counts.get("REALLOC", 0) == dumped["realloc"], (counts, dumped)
        events = dumped["alloc"] + dumped["free"] + dumped["realloc"]
        assert f"by class and block number: {events:,} events" in out.stdout, out.stdout
