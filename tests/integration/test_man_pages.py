"""test_man_pages.py: docs/man/*.1 render without a warning, name every subcommand, and `make install`
puts them under PREFIX/share/man/man1."""
import re
import shutil

import hp

MAN = hp.ROOT / "docs" / "man"
PAGES = ("hookprof.1", "hookprof-analyze.1")


def render(page):
    if not shutil.which("groff"):
        raise hp.Skip("groff is not installed")
    # -ww: every warning; -z: no output, only the diagnostics.
    proc = hp.run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN / page], env={"LC_ALL": "C.UTF-8"})
    assert proc.returncode == 0 and proc.stderr == "", (page, proc.stderr)
    return hp.run(["groff", "-man", "-Tutf8", MAN / page], env={"LC_ALL": "C.UTF-8"}).stdout


def test_pages_render_without_warnings_and_name_every_command():
    for page in PAGES:
        text = re.sub(r".\x08", "", render(page))  # overstrike bold and underline
        assert "NAME" in text and "SYNOPSIS" in text, page
    commands = re.findall(r"^int cmd_(\w+)\(", (hp.ROOT / "analyzer/cmd/commands.h").read_text(), re.M)
    assert len(commands) >= 10, commands
    source = (MAN / "hookprof-analyze.1").read_text()
    section = source.split(".SH COMMANDS", 1)[1].split(".SH ", 1)[0]
    listed = re.findall(r"^\.TP\n\.B (\S+)$", section, re.M)
    assert sorted(listed) == sorted(commands), (listed, commands)
    # Each option of report's --help that the page names exists there.
    report_help = hp.analyze(["report", "--help"])
    for option in ("--width", "--children", "--output", "--section", "--html", "--format"):
        assert option in report_help and option.replace("-", "\\-") in source, option
    launcher = (MAN / "hookprof.1").read_text()
    for option in re.findall(r"^  (?:-\w, )?(--[a-z-]+)", hp.run([hp.LAUNCHER, "--help"]).stdout, re.M):
        assert option.replace("-", "\\-") in launcher, option


@hp.timeout(300)
def test_make_install_puts_the_pages_in_man1():
    with hp.tmpdir() as d:
        # install-files: `install` without its build step, which would relink the binaries other
        # tests are running when the build's flags differ (ASan).
        proc = hp.run(["make", "-s", "-C", hp.ROOT, "install-files", f"DESTDIR={d}", "PREFIX=/usr",
                       f"BUILD={hp.BUILD}"], timeout=280)
        assert proc.returncode == 0, proc.stderr
        for page in PAGES:
            installed = d / "usr/share/man/man1" / page
            assert installed.read_bytes() == (MAN / page).read_bytes(), page


def test_the_builtin_suppression_sets_are_named_alike_everywhere():
    # The sets are the analyzer's table (model/suppressions.c), which its own messages quote; --help,
    # the option table, this page and README write the names out, and say the same.
    with hp.tmpdir() as d:
        hp.record([hp.program("ends_as"), "status", "0"], output=d / "t.hpt")
        bad = hp.run([hp.ANALYZE, "leaks", "--no-builtin-suppressions", "bogus", d / "t.hpt"])
    found = re.search(r"unknown built-in suppression 'bogus' \(([^)]*), all\)", bad.stderr)
    assert found, bad.stderr
    names = found.group(1).split(", ")
    assert "nss" in names and "tty" in names, names
    listed = ", ".join(names)
    flat = lambda text: " ".join(text.split())
    assert f"turn off built-in suppressions: {listed}, or all" in flat(hp.analyze(["leaks", "--help"]))
    options = re.sub(r'"\s*\\?\s*"', "", (hp.ROOT / "analyzer/cmd/options.h").read_text())
    assert f"a list of names ({listed}, all)" in options
    assert f"Turn off built-in suppressions: {listed}, or all." in (MAN / "hookprof-analyze.1").read_text()
    readme = ", ".join(f"`{n}`" for n in names)
    assert f"turn off built-in suppressions ({readme}, or `all`)" in (hp.ROOT / "README.md").read_text()
