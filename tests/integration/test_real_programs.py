"""test_real_programs.py: hookprof on programs nobody here wrote (issue 12's conformance suite).

Each test runs one program natively, under the launcher and, where the program is deterministic,
under valgrind (real_program.RealRun: equal environments, a time limit per run). For each:
- the program's stdout and exit status under hookprof are the native run's;
- every run ends within its limit (a hang fails the test, it does not stall the suite);
- the trace is whole (nothing lost, not truncated) and no free in it is of a block the trace never
  saw allocated, except in a forked copy whose blocks came from its parent before the fork;
- the allocations and frees of each process equal valgrind's "total heap usage" for that process.
Where a count cannot be compared, the test says why and checks what can be.

The tools come from Debian (scripts/install-test-deps); a missing one skips the test, which fails it
under CI. The programs we wrote for it (Rust, Java, the C++ library) are in tests/programs.
"""
import os
import re
import subprocess

import hp
from real_program import RealRun, forked_copies, matched, need

SOURCES = hp.ROOT / "tests" / "programs"


def base_env(tmp, **extra):
    """The environment of every run: a clean one, fixed locale and time zone, an empty home."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    return dict({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C", "TZ": "UTC"},
                **extra)


def check_trace(proc, forked):
    """The trace of one process is whole, every free in it is of a block it saw allocated, and its
    allocations reached hookprof's malloc (not said to go to one of the program's own: python3, not
    PIE, has a PLT entry stand for the malloc it takes the address of)."""
    s = proc.summary
    assert s["malloc_owner"] is None, f"{proc}: its allocations said to go to {s['malloc_owner']}"
    assert s["events_lost"] == 0, f"{proc}: {s['events_lost']} events lost"
    assert not s["truncated"], f"{proc}: trace truncated"
    assert s["ended"], f"{proc}: the trace does not say how the process ended"
    if not forked:
        assert s["unmatched_frees"] == 0, \
            f"{proc}: {s['unmatched_frees']} frees of blocks the trace never saw allocated"


def conform(name, run, argv, input=None, valgrind=True):
    """Runs argv the three ways and checks everything the module docstring lists. valgrind=False:
    the program is not deterministic; the caller says why. Returns the hookprof processes."""
    native, t_native = run.native(argv, input)
    recorded, t_recorded, processes = run.recorded(argv, input)
    assert recorded.returncode == native.returncode, \
        f"{name}: exit {recorded.returncode} under hookprof, {native.returncode} natively\n{recorded.stderr}"
    assert recorded.stdout == native.stdout, \
        f"{name}: stdout differs under hookprof\n--- native\n{native.stdout}\n--- hookprof\n{recorded.stdout}"
    copies = forked_copies(processes)
    for p in processes:
        check_trace(p, p in copies)
    figures = f"{name}: native {t_native:.2f} s, hookprof {t_recorded:.2f} s"
    if valgrind:
        checked, t_valgrind, counted = run.valgrind(argv, input)
        assert checked.returncode == native.returncode and checked.stdout == native.stdout, \
            f"{name}: the valgrind run is not the native run\n{checked.stderr[-3000:]}"
        pairs = matched(processes, counted)
        wrong = [f"{' '.join(mine.argv)[:80]}: hookprof {mine.allocs} allocs {mine.frees} frees, "
                 f"valgrind {theirs.allocs} allocs {theirs.frees} frees"
                 for mine, theirs in pairs if (mine.allocs, mine.frees) != (theirs.allocs, theirs.frees)]
        assert not wrong, f"{name}: counts differ from valgrind's:\n" + "\n".join(wrong)
        figures += f", valgrind {t_valgrind:.2f} s; " + "; ".join(
            f"{os.path.basename(m.argv[0])} {m.allocs} allocs {m.frees} frees "
            f"(valgrind {t.allocs}/{t.frees})" for m, t in pairs)
    print(figures)
    return processes


@hp.timeout(240)
def test_rust_collections_and_threads():
    """A Rust program (std's String, Vec, HashMap, BTreeMap, Arc, Mutex and four threads), built
    here by rustc: Rust's runtime asks glibc for the main thread's stack bounds at start-up. Built
    with both of rustc's symbol manglings, its names read as rustc-demangle writes them."""
    rustc = need("rustc")
    with hp.tmpdir() as d:
        names = {}
        # legacy: rustc's default (newer rustc takes it as an option only with -Z unstable-options)
        for mangling, flags in (("legacy", []), ("v0", ["-C", "symbol-mangling-version=v0"])):
            exe = d / f"real_rust_inventory_{mangling}"
            built = subprocess.run([rustc, "-O", "-g", *flags, "-o", exe, SOURCES / "real_rust_inventory.rs"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            assert built.returncode == 0, f"rustc failed:\n{built.stdout}"
            processes = conform(f"rust ({mangling} symbols)", RealRun(d, base_env(d)), [exe])
            frames = {f["function"] for site in hp.report_json(processes[0].trace, "--top", "0")["sites"]
                      for f in site["stack"] if f["function"]}
            # legacy: no hash of the build ("::h" and 16 hex digits), no escapes (Vec$LT$T$C$A$GT$);
            # v0: nothing left mangled (_R...)
            raw = [f for f in frames if re.search(r"::h[0-9a-f]{16}$|\$(LT|GT|C|RF|BP|u[0-9a-f]+)\$|^_R", f)]
            assert not raw, (mangling, raw)
            names[mangling] = {f for f in frames if f.startswith("real_rust_inventory::")}
            assert names[mangling], (mangling, sorted(frames))
        # The program's own functions read alike either way (v0 adds generic arguments, as <T>).
        assert names["legacy"] & names["v0"], names


@hp.timeout(240)
def test_java_jvm():
    """A Java program run by the JVM: a dozen runtime threads, its own signal handlers, class
    loading. Counts are not compared with valgrind: the JVM's compiler and garbage collector threads
    allocate at moments the scheduler chooses, so two runs differ (and valgrind runs it for minutes);
    every free in the trace must still be of a block the trace saw allocated."""
    javac, java = need("javac"), need("java")
    with hp.tmpdir() as d:
        classes = d / "classes"
        built = subprocess.run([javac, "-d", classes, SOURCES / "RealJavaLedger.java"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        assert built.returncode == 0, f"javac failed:\n{built.stdout}"
        # One argument: the program exits with status 1 (System.exit(args.length)). The JVM's threads
        # trade blocks within a millisecond, one epoch: the analyzer orders their events by causality,
        # and a rare tangle of threads on one address defeats it (docs/trace-format.md, "Epochs":
        # about one run in thirty here). A run in which every free matches its block is what recorder
        # and analyzer must make possible; three runs give it three chances.
        for attempt in range(3):
            try:
                processes = conform("java", RealRun(d, base_env(d)),
                                    [java, "-Xmx64m", "-cp", classes, "RealJavaLedger", "status"], valgrind=False)
                break
            except AssertionError as e:
                if "never saw allocated" not in str(e) or attempt == 2:
                    raise
                print(f"java: run {attempt + 1}: {e}")
        assert processes[0].summary["threads"] > 4, f"the JVM's threads were not recorded: {processes[0]}"


NODE_SCRIPT = r"""
const a = [];
for (let i = 0; i < 200000; i++) a.push({i, s: "x" + i});
console.log(a.length, JSON.stringify(a.slice(0, 2)));
"""


@hp.timeout(240)
def test_node_worker_threads():
    """node.js: V8's main thread hands buffers to its platform's worker threads, which free them, a few
    addresses traded thousands of times within one epoch of the recorder. The merge's greedy order
    left every stream waiting on another there and matched frees to the wrong life (8 to 51 frees to
    no block in each of four runs, false "definitely lost" blocks); an order found by search
    (read/epoch_plan.c) gives none in most runs (a search may still run out of steps: three runs give
    it three chances). Counts are not compared with valgrind: V8's threads allocate at moments the
    scheduler chooses, so two runs differ."""
    node = need("node")
    with hp.tmpdir() as d:
        for attempt in range(3):
            try:
                processes = conform("node", RealRun(d, base_env(d)), [node, "-e", NODE_SCRIPT], valgrind=False)
                break
            except AssertionError as e:
                if "never saw allocated" not in str(e) or attempt == 2:
                    raise
                print(f"node: run {attempt + 1}: {e}")
        s = processes[0].summary
        assert s["threads"] > 2, f"node's worker threads were not recorded: {processes[0]}"
        assert s["anomalies"] == 0 and s["leak_kinds"]["definite"]["blocks"] == 0, s


PYTHON_SCRIPT = r"""
import collections, json, re
records = [{"id": i, "name": "user%03d" % i, "tags": ["t%d" % (i % 5), "g%d" % (i % 3)]} for i in range(400)]
text = json.dumps(records)
back = json.loads(text)
counts = collections.Counter(tag for r in back for tag in r["tags"])
words = re.findall(r"user0(\d)\d", text)
print(len(text), sorted(counts.items()), len(words), sum(map(int, words)))
"""


def python_run(allocator):
    python = need("/usr/bin/python3")
    with hp.tmpdir() as d:
        extra = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        if allocator:
            extra["PYTHONMALLOC"] = allocator
        conform(f"python3 PYTHONMALLOC={allocator or 'default'}", RealRun(d, base_env(d, **extra)),
                [python, "-s", "-c", PYTHON_SCRIPT])


@hp.timeout(240)
def test_python_default_allocator():
    """The system python3 with pymalloc (small objects from its own arenas, the rest from malloc);
    string hashing fixed (PYTHONHASHSEED=0) so that dict sizes and so allocations repeat."""
    python_run(None)


@hp.timeout(240)
def test_python_malloc():
    """The system python3 with every object from malloc (PYTHONMALLOC=malloc)."""
    python_run("malloc")


LLVM_IR = """
define i64 @sum_squares(i64 %n) {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %acc = phi i64 [ 0, %entry ], [ %acc2, %loop ]
  %sq = mul i64 %i, %i
  %acc2 = add i64 %acc, %sq
  %next = add i64 %i, 1
  %done = icmp eq i64 %next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret i64 %acc2
}
"""


@hp.timeout(240)
def test_llvm_opt():
    """LLVM's optimizer on a small function: libLLVM's static constructors (its command-line option
    registry) allocate thousands of blocks before any constructor of a preloaded library runs."""
    opt = need("opt")
    with hp.tmpdir() as d:
        (d / "sum.ll").write_text(LLVM_IR)
        conform("llvm opt", RealRun(d, base_env(d)), [opt, "-S", "-O2", "sum.ll"])


PERL_SCRIPT = r"""
my %seen; my @lines;
for my $i (1 .. 600) { my $w = join "-", map { chr(97 + ($i * $_) % 26) } 1 .. 5; $seen{$w}++; push @lines, "$i:$w"; }
my $joined = join ",", @lines;
my @long = grep { length($_) > 9 } split /,/, $joined;
(my $upper = $joined) =~ s/([aeiou])/uc $1/ge;
printf "%d %d %d %d\n", scalar(keys %seen), scalar(@long), length($upper), ($upper =~ tr/A-Z//);
"""


@hp.timeout(240)
def test_perl():
    """perl: hashes, arrays, regular expressions with substitution; hash order fixed by its seed."""
    perl = need("perl")
    with hp.tmpdir() as d:
        env = base_env(d, PERL_HASH_SEED="0", PERL_PERTURB_KEYS="0")
        conform("perl", RealRun(d, env), [perl, "-e", PERL_SCRIPT])


GIT_ENV = {"GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
           "GIT_AUTHOR_DATE": "2024-01-02T03:04:05Z", "GIT_COMMITTER_NAME": "Ada",
           "GIT_COMMITTER_EMAIL": "ada@example.org", "GIT_COMMITTER_DATE": "2024-01-02T03:04:05Z",
           "GIT_CONFIG_NOSYSTEM": "1"}


@hp.timeout(240)
def test_git_commit_and_log():
    """git: a commit in a repository made here, then the log with its diff. Each run gets a copy of
    the same repository at a path of the same length; fixed author and dates make the commit's id,
    and so everything printed, the same in each."""
    git = need("git")
    with hp.tmpdir() as d:
        env = base_env(d, **GIT_ENV)
        repos = []
        for run_name in ("n", "h", "v"):
            repo = d / run_name / "repo"
            repo.mkdir(parents=True)
            for i in range(20):
                path = repo / f"file{i}.txt"
                path.write_text("".join(f"line {j} of file {i}\n" for j in range(i * 10)))
                # Older than the index: a file changed in the index's second is "racily clean", and
                # git reads it again to compare, in some runs and not others.
                os.utime(path, (1700000000, 1700000000))
            for cmd in (["init", "-q"], ["add", "."]):
                done = subprocess.run([git, *cmd], cwd=repo, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, timeout=60)
                assert done.returncode == 0, f"git {cmd}: {done.stdout}"
            repos.append(repo)
        run = RealRun(d, env, cwds=repos)
        quiet = ["-c", "gc.auto=0", "-c", "maintenance.auto=false"]
        conform("git commit", run, [git, *quiet, "commit", "-m", "twenty files"])
        conform("git log", run, [git, *quiet, "log", "--stat", "-p", "--format=%H %an %s"])
        # The recorder wrote nothing into git's files: the objects are the native run's, byte for byte.
        objects = [{p.relative_to(repo): p.read_bytes() for p in (repo / ".git" / "objects").rglob("*")
                    if p.is_file()} for repo in repos]
        assert objects[1] == objects[0], "git's objects under hookprof differ from the native run's"
        fsck = subprocess.run([git, "fsck", "--full", "--strict"], cwd=repos[1], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=60)
        assert fsck.returncode == 0, f"git fsck of the repository written under hookprof:\n{fsck.stdout}"


SQL = """
create table t(id integer primary key, name text, grp integer);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000)
  insert into t select i, printf('name-%05d', i * 7919 % 2000), i % 13 from n;
create index t_name on t(name);
select grp, count(*), min(name), max(name) from t group by grp order by grp;
select count(*) from t where name like 'name-01%';
"""


@hp.timeout(240)
def test_sqlite3_cli():
    """The sqlite3 shell on an in-memory database: a table, a recursive insert, an index, queries."""
    sqlite3 = need("sqlite3")
    with hp.tmpdir() as d:
        conform("sqlite3", RealRun(d, base_env(d)), [sqlite3, ":memory:"], input=SQL)


@hp.timeout(240)
def test_cxx_library_static_initializers():
    """A C++ program whose shared library fills a registry and a table of 400 strings in its static
    initializers, before main (tests/programs/real_cxx_plugins.cc, libreal_cxx_registry.cc)."""
    with hp.tmpdir() as d:
        conform("c++ library constructors", RealRun(d, base_env(d)), [hp.program("real_cxx_plugins")])


@hp.timeout(240)
def test_chromium_headless():
    """Headless Chromium dumping a page's DOM: a browser process, zygotes that check they are
    single-threaded (the links of /proc/self/task) and die otherwise, helpers forked from them, and
    an allocator of its own (PartitionAlloc), so that its processes record next to no event. The
    recorder's writer thread, started with each process, made every zygote die and Chromium give up
    ("GPU process isn't usable", SIGABRT); a process now has that thread only once it has events to
    write. Not run under valgrind: Chromium's allocator bypasses it too, and it takes minutes."""
    chromium = need("chromium")
    with hp.tmpdir() as d:
        argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--dump-dom", "data:text/html,<p>recorded</p>"]
        run = RealRun(d, base_env(d))
        native, t_native = run.native(argv)
        assert native.returncode == 0 and "<p>recorded</p>" in native.stdout, native.stderr[-3000:]
        recorded, t_recorded, processes = run.recorded(argv)
        assert recorded.returncode == 0, f"exit {recorded.returncode} under hookprof\n{recorded.stderr[-3000:]}"
        assert recorded.stdout == native.stdout, (native.stdout, recorded.stdout)
        zygotes = [p for p in processes if "--type=zygote" in p.argv]
        assert zygotes, f"no zygote among the recorded processes: {processes}"
        browser = [p for p in processes if p.argv[0].endswith("chromium") and not any(
            a.startswith("--type=") for a in p.argv)]
        assert browser and all(p.summary["ended"] for p in browser), browser
        # Its malloc is its own, defined in its executable (nm -D): said once by the launcher, and by
        # each of its processes' reports, where the shell script that starts it is recorded whole.
        exe = os.path.realpath(browser[0].summary["program"])
        defined = hp.run(["nm", "-D", "--defined-only", exe]).stdout
        assert re.search(r" T malloc$", defined, re.M) and re.search(r" T free$", defined, re.M), exe
        said = [l for l in recorded.stderr.splitlines() if "were not recorded: their programs call a malloc" in l]
        assert len(said) == 1, recorded.stderr[-3000:]
        assert all(p.summary["malloc_owner"] == exe for p in browser + zygotes), [p.summary for p in browser]
        shells = [p for p in processes if os.path.basename(p.summary["program"]) in ("dash", "bash", "sh")]
        assert shells and all(p.summary["malloc_owner"] is None and p.allocs > 0 for p in shells), shells
        print(f"chromium: native {t_native:.2f} s, hookprof {t_recorded:.2f} s, {len(processes)} traces")


SHELL_SCRIPT = 'printf "pear\\napple\\npear\\nfig\\n" | sort | uniq -c; n=$(ls / | wc -l); ' \
               'test "$n" -gt 0 && echo "listed"; (echo in a subshell); exit 3'


@hp.timeout(240)
def test_shell_pipeline():
    """sh -c with a pipeline, a command substitution and a subshell: children that exec (sort, uniq,
    ls, wc), children that end without exec (the subshells), a non-zero exit. The images that exec'd
    have no valgrind count (valgrind prints none for them): their traces must say they ended by exec.
    A forked subshell's valgrind count includes its parent's allocations before the fork; its trace
    starts at the fork, so it is not compared (real_program.forked_copies)."""
    sh = need("sh")
    with hp.tmpdir() as d:
        processes = conform("sh pipeline", RealRun(d, base_env(d)), [sh, "-c", SHELL_SCRIPT])
        execed = [p for p in processes if p.summary.get("end_how") == "exec"]
        names = sorted(os.path.basename(p.argv[0]) for p in processes if p not in execed)
        for tool in ("sort", "uniq", "ls", "wc"):
            assert tool in names, f"no trace of {tool}: {processes}"
        assert len(execed) >= 4, f"the children that exec'd should end by exec: {processes}"
