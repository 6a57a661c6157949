"""The customer's settings: a private file, a token never printed, the environment's
overrides, typos refused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from supportdesk_request.config import load_config

from tests.request_tool.conftest import ToolHome, bug_flags, free_port

TOKEN = "sdk_Zq8vLkWm3nPx7RtYb2Hc9JdFg4Ks6Au1Ve5Tw0Qa_Xy"


def test_the_config_file_is_readable_by_its_owner_only(tool: ToolHome) -> None:
    tool.configure(server="https://support.example", token=TOKEN)

    mode = stat.S_IMODE(tool.config_file.stat().st_mode)
    assert mode == 0o600
    assert load_config().token == TOKEN


def test_a_config_file_made_readable_by_others_is_tightened_on_the_next_write(
    tool: ToolHome,
) -> None:
    tool.configure(email="dev@customer.example")
    tool.config_file.chmod(0o644)

    tool.configure(token=TOKEN)

    assert stat.S_IMODE(tool.config_file.stat().st_mode) == 0o600


def test_config_show_never_prints_the_token(tool: ToolHome, capsys) -> None:  # type: ignore[no-untyped-def]
    tool.configure(server="https://support.example", token=TOKEN, smtp_password="hunter2-secret")

    shown = tool.run("config", "show")
    as_json = tool.run("config", "show", "--json")

    for run in (shown, as_json):
        assert run.code == 0
        assert TOKEN not in run.stdout + run.stderr
        assert TOKEN[4:-4] not in run.stdout + run.stderr
        assert "hunter2-secret" not in run.stdout
    assert "token = set (sdk_…Xy)" not in shown.stdout  # the last 4, not 2
    assert f"token = set (sdk_…{TOKEN[-4:]})" in shown.stdout
    assert as_json.json()["settings"]["token"] == f"set (sdk_…{TOKEN[-4:]})"
    assert TOKEN not in "".join(capsys.readouterr())


def test_an_unset_token_is_said_so(tool: ToolHome) -> None:
    assert "token = not set" in tool.run("config", "show").stdout


def test_the_token_is_not_printed_when_the_server_refuses_or_fails(tool: ToolHome) -> None:
    tool.configure(server=f"http://127.0.0.1:{free_port()}", token=TOKEN)

    run = tool.run(
        "send", "--no-input", "--no-collect", "--json", "--email", "a@b.example", *bug_flags()
    )

    assert run.code == 5
    assert TOKEN not in run.stdout + run.stderr
    # ... nor stored in the queued request.
    queued = tool.outbox()[0]
    assert TOKEN not in (queued / "request.json").read_text()


def test_the_environment_overrides_the_file(
    tool: ToolHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool.configure(server="https://file.example", token=TOKEN)
    monkeypatch.setenv("SUPPORTDESK_REQUEST_SERVER", "https://env.example")
    monkeypatch.setenv("SUPPORTDESK_REQUEST_TOKEN", "sdk_from_the_environment")

    config = load_config()

    assert (config.server, config.token) == ("https://env.example", "sdk_from_the_environment")


def test_an_unknown_key_or_a_bad_value_is_refused_by_name(tool: ToolHome) -> None:
    unknown = tool.run("config", "set", "sever", "https://x.example")
    bad_port = tool.run("config", "set", "smtp_port", "twenty-five")
    bad_server = tool.run("config", "set", "server", "support.example")

    assert (unknown.code, bad_port.code, bad_server.code) == (2, 2, 2)
    assert "sever" in unknown.stderr
    assert "smtp_port" in bad_port.stderr
    assert "https://" in bad_server.stderr
    assert not tool.config_file.exists()


def test_the_config_path_follows_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SUPPORTDESK_REQUEST_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    from supportdesk_request.config import config_path

    assert config_path() == tmp_path / "xdg" / "supportdesk-request" / "config.toml"
