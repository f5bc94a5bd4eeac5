"""The compile step against hostile sources: each ends as CE within its limits, leaks nothing of the
host in the compiler's messages, and a compiler that writes outside its box or leaves a process
behind is contained."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sandbox import Limits, Outcome, Status
from worker.core.compile import CompileLimits, _failure, compile_program, run_program
from worker.core.languages import get_language

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(60)]

# Small limits: each attack must end within them, and the suite stays fast.
LIMITS = CompileLimits(cpu_time_ms=4_000, wall_time_ms=6_000, memory_kib=256 * 1024,
                       artifact_kib=4096)
SLACK_S = 3.0  # box set-up and teardown beyond the wall limit


def _compile(lang_id: str, source: str, tmp_path: Path, limits: CompileLimits = LIMITS):
    lang = get_language(lang_id)
    started = time.monotonic()
    program = compile_program(lang, source.encode(), tmp_path, limits)
    elapsed = time.monotonic() - started
    assert elapsed < limits.wall_time_ms / 1000 + SLACK_S, f"took {elapsed:.1f} s"
    return program


def _no_host_leak(text: str, tmp_path: Path) -> None:
    """The compiler's messages name box paths only, never the judge's own."""
    for host_path in (str(tmp_path), "/run/judgebox", "/work/", "/root"):
        assert host_path not in text


def _host_only_users() -> list[str]:
    """Names in the host's /etc/passwd that the box's own passwd does not have."""
    with open("/etc/passwd") as f:
        names = [line.split(":", 1)[0] + ":" for line in f if ":" in line]
    return [n for n in names if n not in ("root:", "nobody:", "box:")]


def test_include_dev_random_is_ce_within_limits(statuses, tmp_path):
    program = _compile("c", '#include "/dev/random"\nint main(void) { return 0; }\n', tmp_path)
    assert not program.ok
    assert program.outcome.status in (Status.MLE, Status.TLE, Status.OLE, Status.RE)
    _no_host_leak(program.output, tmp_path)


def test_include_etc_shadow_is_ce_and_shows_nothing(statuses, tmp_path):
    program = _compile("c", '#include "/etc/shadow"\nint main(void) { return 0; }\n', tmp_path)
    assert not program.ok and program.error.startswith("compilation failed")
    assert "No such file or directory" in program.output  # the box has no /etc/shadow
    _no_host_leak(program.output, tmp_path)


def test_include_etc_passwd_shows_the_boxs_own(statuses, tmp_path):
    program = _compile("c", '#include "/etc/passwd"\nint main(void) { return 0; }\n', tmp_path)
    assert not program.ok
    for name in _host_only_users():
        assert name not in program.output, f"the host's passwd leaked: {name}"


def test_macro_bomb_is_ce_within_limits(tmp_path):
    lines = ["#define A0 x"] + [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, 41)]
    program = _compile("c", "\n".join(lines) + "\nint main(void) { A40; }\n", tmp_path)
    assert not program.ok
    assert program.outcome.status in (Status.MLE, Status.TLE, Status.OLE)
    assert len(program.output) <= LIMITS.output_kib * 1024 + 100


def test_template_bomb_is_ce_within_limits(tmp_path):
    source = """
template <class A, class B> struct P {};
template <int N, class T> struct F { using type = typename F<N - 1, P<T, T>>::type; };
template <class T> struct F<0, T> { using type = T; };
int main() { F<40, int>::type x = 0; }  // the message would spell a type of 2^40 leaves
"""
    program = _compile("cpp17", source, tmp_path)
    assert not program.ok
    assert program.outcome.status in (Status.MLE, Status.TLE, Status.OLE)


def test_recursive_instantiation_errors_are_capped(tmp_path):
    source = "template <class T> struct Bomb { Bomb<Bomb<T>*> next; };\nint main() { Bomb<int> b; }\n"
    program = _compile("cpp17", source, tmp_path)
    assert not program.ok
    assert len(program.output) <= LIMITS.output_kib * 1024 + 100


def test_include_flood_is_capped(tmp_path):
    program = _compile("c", "#include __FILE__\n#include __FILE__\nint main(void) {}\n",
                       tmp_path)
    assert not program.ok
    assert len(program.output) <= LIMITS.output_kib * 1024 + 100


def test_compile_timeout_is_ce(tmp_path):
    lines = ["#define A0 x"] + [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, 41)]
    limits = CompileLimits(cpu_time_ms=1_000, wall_time_ms=1_500, memory_kib=1024 * 1024)
    program = _compile("c", "\n".join(lines) + "\nint main(void) { A40; }\n", tmp_path, limits)
    assert not program.ok and program.outcome.status is Status.TLE
    assert program.error in ("compilation timed out (1 s of CPU)", "compilation timed out (1.5 s)")
    assert "judgebox: compilation timed out" in program.report()


def test_oversized_artifact_is_ce(tmp_path):
    program = _compile("c", "char big[8 << 20] = {1};\nint main(void) { return big[5]; }\n",
                       tmp_path)  # 8 MiB of data against a 4 MiB cap
    assert not program.ok
    assert not list(tmp_path.iterdir()), "no artifact reaches the host"


def test_compiler_cannot_read_the_judges_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("judgebox-secret-token\n")
    source = f'fn main() {{ let s = include_str!("{secret}"); println!("{{}}", s); }}\n'
    program = _compile("rust", source, tmp_path)
    assert not program.ok
    assert "judgebox-secret-token" not in program.output


ESCAPE_TARGETS = ("/usr/judgebox-escape", "/etc/judgebox-escape", "/judgebox-escape")


def _assert_no_escape_files() -> None:
    for path in ESCAPE_TARGETS:
        assert not os.path.exists(path), f"a compiler wrote {path} on the host"


def test_perl_begin_block_is_contained(tmp_path):
    # perl -c runs BEGIN blocks: code at "compile" time, in the check box only.
    targets = ", ".join(f'"{p}"' for p in ESCAPE_TARGETS)
    source = f"""
use POSIX ();
BEGIN {{
    for my $path ({targets}) {{
        if (open(my $fh, ">", $path)) {{ print $fh "x"; close $fh; print STDERR "ESCAPED $path\\n" }}
    }}
    my $pid = fork();
    if (defined $pid && $pid == 0) {{ POSIX::setsid(); sleep 1000; exit 0 }}
    print STDERR "forked a sleeper\n" if $pid;
}}
print "ran\\n";
"""
    program = _compile("perl", source, tmp_path)
    assert program.ok, program.report()
    assert "ESCAPED" not in program.output
    assert "forked a sleeper" in program.output
    _assert_no_escape_files()
    # clean_host checks that the sleeper did not survive the check box


def test_template_haskell_is_contained(statuses, tmp_path):
    if not statuses["haskell"].enabled:
        pytest.skip(statuses["haskell"].reason)
    targets = "[" + ", ".join(f'"{p}"' for p in ESCAPE_TARGETS) + "]"
    source = f"""{{-# LANGUAGE TemplateHaskell #-}}
import Control.Concurrent (threadDelay)
import Control.Exception (SomeException, try)
import Language.Haskell.TH
import System.Posix.Process (createSession, forkProcess)
import System.Posix.Types (ProcessID)

main :: IO ()
main = putStrLn $(do
  wrote <- runIO $ mapM (\\p -> try (writeFile p "x") :: IO (Either SomeException ())) {targets}
  forked <- runIO (try (forkProcess (createSession >> threadDelay 100000000))
                   :: IO (Either SomeException ProcessID))
  stringE (concatMap (either (const "blocked ") (const "ESCAPED ")) wrote
           ++ either (const "nofork") (const "forked") forked))
"""
    program = _compile("haskell", source, tmp_path,
                       CompileLimits(cpu_time_ms=20_000, wall_time_ms=20_000))
    assert program.ok, program.report()
    _assert_no_escape_files()
    outcome = run_program(program, Limits(cpu_time_ms=2_000))
    assert outcome.stdout.split() == [b"blocked"] * len(ESCAPE_TARGETS) + [b"forked"]
    # clean_host checks that the forked process did not survive the compile box


def test_c_compile_box_does_not_see_other_toolchains(tmp_path):
    program = _compile("c", '#include "/usr/lib/python3.11/os.py"\nint main(void) {}\n', tmp_path)
    assert not program.ok and "No such file or directory" in program.output


def test_a_box_sees_only_its_own_toolchain(tmp_path):
    # A script that lists what its box holds: the skeleton, the program, bash's own tools.
    source = "echo \"$(cd / && echo *)\"; echo \"$(cd /box && echo *)\"; echo \"$(cd /usr/bin && echo *)\"\n"
    lang = get_language("bash")
    program = compile_program(lang, source.encode(), tmp_path)
    outcome = run_program(program, Limits(cpu_time_ms=2_000))
    root, box, usr_bin = outcome.stdout.decode().splitlines()
    assert set(root.split()) <= {"bin", "box", "dev", "etc", "lib", "lib64", "proc", "tmp", "usr"}
    assert box.split() == ["main.sh"]
    assert "gcc" not in usr_bin.split() and "python3" not in usr_bin.split()


def test_a_compiler_out_of_its_own_heap_is_said_so():
    """javac's JVM stops at its own heap size (below the box's limit, so the box sees no OOM)
    and exits 1 or 3 with OutOfMemoryError: the message says memory, not an exit code."""
    limits = CompileLimits()
    died = Outcome(Status.RE, exit_code=3, stderr=b"The system is out of resources.\n"
                   b"java.lang.OutOfMemoryError: Java heap space\n")
    assert _failure(died, limits, ("java.lang.OutOfMemoryError",)) == \
        "compilation ran out of memory (1024 MB)"
    assert _failure(died, limits) == "compilation failed (exit code 3)"  # another language
    plain = Outcome(Status.RE, exit_code=1, stderr=b"Main.java:1: error: ';' expected\n")
    assert _failure(plain, limits, ("java.lang.OutOfMemoryError",)) == \
        "compilation failed (exit code 1)"


def test_a_programs_file_names_never_meet_the_judges_own_files(tmp_path, clean_host):
    """A program of several files keeps its submitter's names: one named like the judge's
    own files in the work directory (the checker's directory, a test's input) is the
    program's file all the same, and judging goes on."""
    from worker.core.sources import SourceFiles
    (tmp_path / "checker").mkdir()
    (tmp_path / "test-1.in").write_bytes(b"the judge's\n")
    files = SourceFiles((("main.py", b"print(open('checker').read() + open('test-1.in').read())"),
                         ("checker", b"mine "), ("test-1.in", b"and mine")))
    program = compile_program(get_language("python3"), files, tmp_path)
    assert program.ok, program.report()
    outcome = run_program(program, Limits())
    assert outcome.stdout == b"mine and mine\n"
    assert (tmp_path / "test-1.in").read_bytes() == b"the judge's\n"
