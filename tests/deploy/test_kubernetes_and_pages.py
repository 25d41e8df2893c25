"""Kubernetes manifests (parsed with a YAML library, the pod's nginx config run on real nginx)
and the GitHub Pages tree (the files Pages needs to serve a dot-folder on a custom domain)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import Bundle
from tests.deploy.servers import (
    POLICY_HOST,
    POLICY_PATH,
    free_port,
    http_get,
    nginx_main_config,
    require_program,
    running,
    shared_dir,
    substitute,
)

MANIFEST = "hosting/kubernetes/mta-sts.yaml"
NAME = "mta-sts-deploy-test"
Docs = dict[str, dict[str, Any]]
"""The manifest's objects by kind."""


@pytest.fixture(scope="module")
def docs(bundle: Bundle) -> Docs:
    loaded = list(yaml.safe_load_all(bundle.text(MANIFEST)))
    by_kind = {doc["kind"]: doc for doc in loaded}
    assert len(by_kind) == len(loaded) == 4
    return by_kind


class TestKubernetes:
    def test_four_objects_of_the_right_api_versions_share_one_name_and_label(
        self, docs: Docs
    ) -> None:
        assert {kind: doc["apiVersion"] for kind, doc in docs.items()} == {
            "ConfigMap": "v1",
            "Deployment": "apps/v1",
            "Service": "v1",
            "Ingress": "networking.k8s.io/v1",
        }
        for doc in docs.values():
            assert doc["metadata"]["name"] == NAME
            assert doc["metadata"]["labels"] == {"app.kubernetes.io/name": NAME}

    def test_the_configmap_holds_the_policy_byte_for_byte(self, docs: Docs, bundle: Bundle) -> None:
        assert docs["ConfigMap"]["data"]["mta-sts.txt"].encode() == bundle.policy

    def test_the_deployment_mounts_policy_and_server_config_from_the_configmap(
        self, docs: Docs
    ) -> None:
        spec = docs["Deployment"]["spec"]
        labels = {"app.kubernetes.io/name": NAME}
        assert spec["selector"]["matchLabels"] == labels
        assert spec["template"]["metadata"]["labels"] == labels
        [container] = spec["template"]["spec"]["containers"]
        mounts = {m["mountPath"]: m["subPath"] for m in container["volumeMounts"]}
        assert mounts == {
            "/srv/mta-sts/.well-known/mta-sts.txt": "mta-sts.txt",
            "/etc/nginx/conf.d/default.conf": "default.conf",
        }
        [volume] = spec["template"]["spec"]["volumes"]
        assert volume["configMap"]["name"] == NAME
        assert {m["name"] for m in container["volumeMounts"]} == {volume["name"]}
        assert container["ports"] == [{"name": "http", "containerPort": 8080}]
        assert container["readinessProbe"]["httpGet"]["path"] == POLICY_PATH

    def test_service_and_ingress_route_only_the_policy_path_of_the_policy_host(
        self, docs: Docs
    ) -> None:
        service = docs["Service"]["spec"]
        assert service["selector"] == {"app.kubernetes.io/name": NAME}
        assert service["ports"] == [{"name": "http", "port": 80, "targetPort": "http"}]
        ingress = docs["Ingress"]["spec"]
        assert ingress["tls"] == [{"hosts": [POLICY_HOST], "secretName": f"{NAME}-tls"}]
        [rule] = ingress["rules"]
        assert rule["host"] == POLICY_HOST
        [path] = rule["http"]["paths"]
        assert (path["path"], path["pathType"]) == (POLICY_PATH, "Exact")
        assert path["backend"]["service"] == {"name": NAME, "port": {"name": "http"}}


@pytest.fixture(scope="module")
def pod_nginx(docs: Docs, bundle: Bundle) -> Iterator[int]:
    """The ConfigMap's default.conf on the installed nginx, files laid out as the pod mounts
    them; only the root path and the listen address change."""
    nginx = require_program("nginx", "nginx-light")
    folder = shared_dir("mtasts-k8s-")
    try:
        workdir = Path(folder.name)
        root = workdir / "srv"
        (root / ".well-known").mkdir(parents=True)
        (root / ".well-known/mta-sts.txt").write_bytes(
            docs["ConfigMap"]["data"]["mta-sts.txt"].encode()
        )
        for path in (root, root / ".well-known"):
            path.chmod(0o755)
        (root / ".well-known/mta-sts.txt").chmod(0o644)
        port = free_port()
        site = workdir / "default.conf"
        site.write_text(
            substitute(
                docs["ConfigMap"]["data"]["default.conf"],
                {"listen 8080;": f"listen 127.0.0.1:{port};", "/srv/mta-sts": str(root)},
            )
        )
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_main_config(workdir, site))
        test = subprocess.run(
            [nginx, "-t", "-p", str(workdir), "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert test.returncode == 0, test.stderr
        with running("nginx", [nginx, "-p", str(workdir), "-c", str(conf)], workdir, port):
            yield port
    finally:
        folder.cleanup()


class TestKubernetesPodServer:
    def test_the_policy_is_200_text_plain(self, pod_nginx: int, bundle: Bundle) -> None:
        answer = http_get(pod_nginx, POLICY_PATH)
        assert (answer.status, answer.media_type) == (200, "text/plain")
        assert answer.body == bundle.policy

    @pytest.mark.parametrize("path", ["/", "/.well-known/", "/.well-known", "/x"])
    def test_other_paths_are_404_without_redirect(self, pod_nginx: int, path: str) -> None:
        answer = http_get(pod_nginx, path)
        assert answer.status == 404
        assert "location" not in answer.headers


class TestGitHubPages:
    BASE = "hosting/github-pages"

    def test_the_tree_has_nojekyll_cname_and_the_policy(self, bundle: Bundle) -> None:
        base = bundle.path(self.BASE)
        files = {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()}
        assert files == {".nojekyll", "CNAME", "README.md", ".well-known/mta-sts.txt"}
        assert (base / ".nojekyll").read_bytes() == b""
        assert (base / "CNAME").read_text() == POLICY_HOST + "\n"
        assert (base / ".well-known/mta-sts.txt").read_bytes() == bundle.policy

    def test_the_readme_names_the_pitfalls(self, bundle: Bundle) -> None:
        text = bundle.text(f"{self.BASE}/README.md")
        assert ".nojekyll" in text
        assert "IPv6" in text
        assert "Settings" in text and POLICY_HOST in text
