"""The outbox without a server: what waits is kept until it can really be sent."""

from __future__ import annotations

import json
import socket
import stat
import threading

from tests.request_tool.conftest import ToolHome, bug_flags, free_port


def queue_one(tool: ToolHome) -> None:
    tool.configure(
        email="dev@customer.example", server=f"http://127.0.0.1:{free_port()}", token="sdk_x" * 4
    )
    assert tool.run("send", "--no-input", "--no-collect", *bug_flags()).code == 5


def test_a_configuration_problem_leaves_the_waiting_requests_waiting(tool: ToolHome) -> None:
    queue_one(tool)
    tool.run("config", "unset", "server")

    run = tool.run("queue", "send")
    listed = tool.run("queue", "list", "--json").json()["queue"]

    assert run.code == 2
    assert "server" in run.stderr
    assert [item["refused"] for item in listed] == [None]


def test_the_server_still_unreachable_keeps_the_request_and_exits_5(tool: ToolHome) -> None:
    queue_one(tool)

    run = tool.run("queue", "send", "--json")

    assert run.code == 5
    assert run.json()["sent"][0]["error"] == "unreachable"
    assert len(tool.outbox()) == 1


def test_queue_drop_deletes_one_entry(tool: ToolHome) -> None:
    queue_one(tool)
    [entry] = tool.outbox()

    assert tool.run("queue", "drop", entry.name).code == 0
    assert tool.outbox() == []
    assert tool.run("queue", "drop", entry.name).code == 2


def test_the_outbox_is_private_to_its_owner(tool: ToolHome) -> None:
    queue_one(tool)
    [entry] = tool.outbox()

    for directory in (entry.parent, entry, entry / "files"):
        assert stat.S_IMODE(directory.stat().st_mode) & 0o077 == 0


def entry_record(entry) -> dict:  # type: ignore[no-untyped-def]
    return json.loads((entry / "request.json").read_text())


def test_a_refused_connection_means_nothing_reached_the_server(tool: ToolHome) -> None:
    queue_one(tool)

    assert entry_record(tool.outbox()[0])["maybe_delivered"] is False


def test_a_server_that_never_answers_may_have_received_the_request(tool: ToolHome) -> None:
    # A server that reads the request and never answers: the request may have become a
    # ticket, which the outbox must find before sending it again.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True)
    thread.start()
    tool.configure(
        email="dev@customer.example",
        server=f"http://127.0.0.1:{silent.getsockname()[1]}",
        token="sdk_x" * 4,
        timeout=1,
    )
    try:
        run = tool.run("send", "--no-input", "--no-collect", *bug_flags())
    finally:
        thread.join(5)
        for connection in accepted:
            connection.close()
        silent.close()

    assert run.code == 5
    assert entry_record(tool.outbox()[0])["maybe_delivered"] is True
