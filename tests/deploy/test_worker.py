"""The Cloudflare Worker, run under the system's Node.js: the module is imported as Wrangler
would, and its ``fetch()`` is called with real ``Request`` objects."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import Bundle
from tests.deploy.servers import OTHER_PATHS, POLICY_HOST, find_program

NODE_TIMEOUT = 30

RUNNER = """\
import worker from "./worker.js";

const cases = JSON.parse(process.argv[2]);
const results = [];
for (const [method, url] of cases) {
  const response = await worker.fetch(new Request(url, { method, redirect: "manual" }));
  results.push({
    method,
    url,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  });
}
console.log(JSON.stringify(results));
"""

BASE = f"https://{POLICY_HOST}"
OTHER_URLS = [f"{BASE}{path}" for path in OTHER_PATHS]
CASES = [
    ("GET", f"{BASE}/.well-known/mta-sts.txt"),
    ("GET", f"{BASE}/.well-known/mta-sts.txt?x=1"),
    ("HEAD", f"{BASE}/.well-known/mta-sts.txt"),
    ("POST", f"{BASE}/.well-known/mta-sts.txt"),
    *(("GET", url) for url in OTHER_URLS),
]


Answers = dict[tuple[str, str], Any]
"""What the worker answered, by (method, URL)."""


@pytest.fixture(scope="module")
def answers(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Answers:
    node = find_program("node")
    if node is None:
        pytest.skip("node is not installed: the Worker test runs worker.js under Node.js")
    folder = tmp_path_factory.mktemp("worker")
    shutil.copy(bundle.path("hosting/cloudflare-worker/worker.js"), folder / "worker.js")
    # Wrangler bundles worker.js as an ES module; plain Node needs to be told it is one.
    (folder / "package.json").write_text('{"type": "module"}\n')
    (folder / "run.js").write_text(RUNNER)
    done = subprocess.run(
        [node, "run.js", json.dumps(CASES)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    return {(r["method"], r["url"]): r for r in json.loads(done.stdout)}


def test_get_answers_the_policy_as_text_plain(answers: Answers, bundle: Bundle) -> None:
    for url in (f"{BASE}/.well-known/mta-sts.txt", f"{BASE}/.well-known/mta-sts.txt?x=1"):
        answer = answers[("GET", url)]
        assert answer["status"] == 200
        assert answer["headers"]["content-type"] == "text/plain"
        assert answer["headers"]["cache-control"] == "no-cache"
        assert "location" not in answer["headers"]
        assert answer["body"].encode() == bundle.policy  # CRLF and all


def test_head_answers_200_without_a_body(answers: Answers) -> None:
    answer = answers[("HEAD", f"{BASE}/.well-known/mta-sts.txt")]
    assert (answer["status"], answer["body"]) == (200, "")
    assert answer["headers"]["content-type"] == "text/plain"


def test_other_methods_are_refused(answers: Answers) -> None:
    answer = answers[("POST", f"{BASE}/.well-known/mta-sts.txt")]
    assert answer["status"] == 405
    assert answer["headers"]["allow"] == "GET, HEAD"


def test_every_other_path_is_a_plain_404(answers: Answers) -> None:
    for url in OTHER_URLS:
        answer = answers[("GET", url)]
        assert answer["status"] == 404, answer
        assert "location" not in answer["headers"]
        assert "STSv1" not in answer["body"]


def test_wrangler_toml_binds_the_policy_host_as_a_custom_domain(bundle: Bundle) -> None:
    config = tomllib.loads(bundle.text("hosting/cloudflare-worker/wrangler.toml"))
    assert config["main"] == "worker.js"
    assert config["name"] == "mta-sts-deploy-test"
    assert config["routes"] == [{"pattern": POLICY_HOST, "custom_domain": True}]
    assert config["workers_dev"] is False
    assert Path(config["main"]).suffix == ".js"
