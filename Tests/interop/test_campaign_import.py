"""`lastword campaign import` and start-up against the built binary: a refused campaign file is one line on stderr,
in the operator's terms (file, line, key path), never a Swift value, and the exit code is non-zero."""
import os
import pathlib
import subprocess
import tempfile

from conftest import ROOT, binary

MINIMAL = """\
id: other-2026
title: {zh: 测试, en: Test}
opens: "2026-01-01T00:00:00+08:00"
closes: "2026-12-31T23:59:59+08:00"
timeZone: Asia/Shanghai
projects:
  - slug: fresh
    title: {zh: 一, en: One}
    department: {zh: 局, en: Bureau}
    summary: {zh: 摘要, en: Summary}
    promised: {zh: 承诺, en: Promised}
    done: {zh: 完成, en: Done}
"""

SWIFT = ("DecodingError", "CodingKeys", "Optional(", "slugBelongsToAnotherCampaign", "invalidDefinition", "Error Domain=")


def run(*arguments: str, workdir: pathlib.Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "LASTWORD_DATABASE_PATH": str(workdir / "lastword.sqlite")}
    return subprocess.run([str(binary()), *arguments], cwd=workdir, env=environment,
                          capture_output=True, text=True, timeout=60)


def refusal(result: subprocess.CompletedProcess) -> str:
    """The one line a refused command prints, without ArgumentParser's "Error: "."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert not any(word in lines[0] for word in SWIFT), lines[0]
    return lines[0].removeprefix("Error: ")


def workdir() -> pathlib.Path:
    return pathlib.Path(tempfile.mkdtemp(prefix="lastword-import-"))


def test_a_file_that_does_not_exist_is_named():
    directory = workdir()
    assert refusal(run("campaign", "import", "/nonexistent/2027.yaml", workdir=directory)) \
        == "/nonexistent/2027.yaml: cannot be opened: No such file or directory"
    assert not (directory / "lastword.sqlite").exists(), "a refused file creates no database"


def test_a_text_without_english_is_refused_at_its_line():
    directory = workdir()
    (directory / "2027.yaml").write_text(MINIMAL.replace("title: {zh: 测试, en: Test}", "title: {zh: 测试}"))
    assert refusal(run("campaign", "import", "2027.yaml", workdir=directory)) \
        == "2027.yaml:2: title.en: missing; a text needs both zh and en"


def test_an_unknown_key_is_refused_at_its_line():
    directory = workdir()
    (directory / "2027.yaml").write_text(MINIMAL.replace("    summary:", "    summery:"))
    assert refusal(run("campaign", "import", "2027.yaml", workdir=directory)) \
        == ('2027.yaml:10: projects[0]: unknown key "summery"; a project has only the keys '
            "slug, title, department, summary, promised, done and figures")


def test_a_time_zone_browsers_do_not_know_is_refused():
    directory = workdir()
    (directory / "2027.yaml").write_text(MINIMAL.replace("Asia/Shanghai", "Mars/Olympus"))
    assert refusal(run("campaign", "import", "2027.yaml", workdir=directory)) \
        == '2027.yaml:5: timeZone: "Mars/Olympus" is not an IANA time zone name; use one such as Asia/Shanghai'


def test_a_slug_of_another_campaign_is_refused_at_its_line():
    directory = workdir()
    imported = run("campaign", "import", str(ROOT / "config/campaigns/demo.yaml"), workdir=directory)
    assert imported.returncode == 0, imported.stderr
    (directory / "2027.yaml").write_text(MINIMAL + MINIMAL[MINIMAL.index("  - slug:"):].replace("fresh", "new-schools"))
    assert refusal(run("campaign", "import", "2027.yaml", workdir=directory)) \
        == ('2027.yaml:13: projects[1].slug: "new-schools" already belongs to campaign "demo-2026"; '
            "a slug is the URL of a printed QR code, so it stays with its campaign: give this project another slug")


def test_start_up_with_a_broken_campaign_file_stops_before_listening_and_says_why():
    directory = workdir()
    (directory / "2027.yaml").write_text(MINIMAL.replace("title: {zh: 测试, en: Test}", "title: {zh: 测试, en: Test, fr: Essai}"))
    (directory / "config.yaml").write_text(
        "server:\n  host: 127.0.0.1\n  port: 0\n"
        f"static:\n  directory: {ROOT / 'Public'}\n"
        f"calendar:\n  files: [{ROOT / 'config/calendar/2026.yaml'}]\n"
        "campaigns:\n  files:\n    - 2027.yaml\n")
    result = run("serve", "--config", "config.yaml", workdir=directory)
    assert result.returncode != 0
    assert "serving" not in result.stdout
    last = result.stderr.splitlines()[-1]
    assert last == 'Error: cannot start: 2027.yaml:2: title: unknown key "fr"; a text has only the keys zh and en', last
