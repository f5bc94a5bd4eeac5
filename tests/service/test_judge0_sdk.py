"""The official judge0 Python SDK (PyPI judge0 0.0.8), unchanged, against a live judgebox."""

from __future__ import annotations

import pytest

judge0 = pytest.importorskip("judge0")

ECHO = "print(input())\n"
C_APLUSB = ("#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
            "printf(\"%ld\\n\",a+b);return 0;}\n")


@pytest.fixture(scope="module")
def client(stack):
    """``judge0.Client`` on the live server: it reads /languages and /config_info."""
    return judge0.Client(stack.url, headers={})


def test_client_sees_the_server(client):
    assert client.version == "1.13.1"
    assert client.is_language_supported(judge0.PYTHON)
    assert client.is_language_supported(judge0.C)
    assert client.config.max_submission_batch_size == 20


def test_run_with_stdin_and_expected_output(client):
    result = judge0.run(client=client, source_code=ECHO, language=judge0.PYTHON,
                        stdin="hello judgebox", expected_output="hello judgebox")
    assert result.status == judge0.Status.ACCEPTED
    assert result.stdout == "hello judgebox\n"
    assert result.time is not None and result.memory > 0


def test_wrong_answer_and_errors(client):
    wrong = judge0.run(client=client, source_code=ECHO, language=judge0.PYTHON, stdin="a",
                       expected_output="b")
    assert wrong.status == judge0.Status.WRONG_ANSWER
    broken = judge0.run(client=client, source_code="int main( {", language=judge0.C)
    assert broken.status == judge0.Status.COMPILATION_ERROR
    assert "error" in broken.compile_output


def test_test_cases_through_batch(client):
    results = judge0.run(client=client, source_code=C_APLUSB, language=judge0.C,
                         test_cases=[("1 2", "3"), ("20 22", "42"), ("2 2", "5")])
    assert [r.status for r in results] == [judge0.Status.ACCEPTED, judge0.Status.ACCEPTED,
                                           judge0.Status.WRONG_ANSWER]
    assert [r.stdout for r in results] == ["3\n", "42\n", "4\n"]


def test_async_create_then_wait(client):
    submissions = [judge0.Submission(source_code=f"print({i} * {i})", language=71)
                   for i in range(3)]
    created = judge0.async_execute(client=client, submissions=submissions)
    assert all(s.token is not None for s in created)
    finished = judge0.wait(client=client, submissions=created)
    assert [s.stdout for s in finished] == ["0\n", "1\n", "4\n"]
    assert all(s.status == judge0.Status.ACCEPTED for s in finished)


def test_single_submission_object_all_fields(client):
    submission = judge0.Submission(source_code="import sys; sys.exit(4)", language=71)
    done = judge0.execute(client=client, submissions=submission)
    assert done.status == judge0.Status.RUNTIME_ERROR_NZEC
    assert done.exit_code == 4 and done.created_at is not None and done.finished_at


def test_additional_files_and_a_multi_file_program(client):
    from judge0.filesystem import File, Filesystem
    with_module = judge0.run(client=client, language=judge0.PYTHON,
                             source_code="import util\nprint(util.X * 2)\n",
                             additional_files=Filesystem(content=[
                                 File(name="util.py", content="X = 21\n")]))
    assert with_module.status == judge0.Status.ACCEPTED and with_module.stdout == "42\n"
    # Judge0's "Multi-file program" (89): the SDK sends an empty source_code
    assert client.is_language_supported(89)
    project = judge0.run(client=client, language=89, source_code="",
                         additional_files=Filesystem(content=[
                             File(name="compile", content="gcc -o prog main.c\n"),
                             File(name="run", content="./prog\n"),
                             File(name="main.c", content='#include <stdio.h>\nint main(void)'
                                                         '{puts("built by its own script");}\n')]))
    assert project.status == judge0.Status.ACCEPTED, project.stderr
    assert project.stdout == "built by its own script\n"
