"""Hosting files: one way per web host to serve the policy at the one path senders fetch.

Pure: every function returns file contents. Each target answers 200 with ``text/plain`` and no
redirect for ``/.well-known/mta-sts.txt`` and a plain 404 for every other path; the deploy tests
prove it by running each file on the real program.
"""

from __future__ import annotations

import json
import re
from datetime import date

from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.policy import POLICY_URL_PATH

POLICY_PATH = POLICY_URL_PATH.removeprefix("/")
"""The policy's path inside the host's web root (and the bundle), without the leading slash."""

HOSTING_TARGETS = ("nginx", "caddy", "apache", "worker", "pages", "k8s")
"""Every hosting target, in the order the README lists them."""

NGINX_MIN_VERSION = "1.18"
"""The oldest nginx the config is written for (Debian 11, Ubuntu 20.04)."""

K8S_NAME_LIMIT = 63
"""Kubernetes object names used here are DNS-1123 labels."""


def policy_host(domain: DomainName) -> str:
    return f"mta-sts.{domain.ascii}"


def web_root(domain: DomainName) -> str:
    return f"/var/www/{policy_host(domain)}"


def hosting_files(
    target: str, domain: DomainName, policy: str, created: date, policy_folder: str = ""
) -> dict[str, str]:
    """Relative path (under the bundle) → content, for one target of HOSTING_TARGETS.

    ``policy_folder``: the bundle's folder holding ``.well-known/`` (default
    ``mta-sts.<domain>``), which the web server configs tell the reader to copy.
    """
    folder = policy_folder or policy_host(domain)
    if target == "nginx":
        return {"hosting/nginx.conf": render_nginx(domain, folder)}
    if target == "caddy":
        return {"hosting/Caddyfile": render_caddy(domain, folder)}
    if target == "apache":
        return {"hosting/apache.conf": render_apache(domain, folder)}
    if target == "worker":
        return {
            "hosting/cloudflare-worker/worker.js": render_worker(domain, policy),
            "hosting/cloudflare-worker/wrangler.toml": render_wrangler(domain, created),
        }
    if target == "pages":
        base = "hosting/github-pages"
        return {
            f"{base}/.nojekyll": "",
            f"{base}/CNAME": policy_host(domain) + "\n",
            f"{base}/README.md": render_pages_readme(domain),
            f"{base}/{POLICY_PATH}": policy,
        }
    if target == "k8s":
        return {"hosting/kubernetes/mta-sts.yaml": render_kubernetes(domain, policy)}
    raise ValueError(f"unknown hosting target {target!r}")


def render_nginx(domain: DomainName, folder: str = "") -> str:
    host = policy_host(domain)
    folder = folder or host
    root = web_root(domain)
    return f"""\
# nginx: serve the MTA-STS policy for {domain.ascii}.
# Written for nginx {NGINX_MIN_VERSION} and newer (Debian 11+, Ubuntu 20.04+): it uses no directive
# added later (HTTP/2 is left out: `http2 on;` needs 1.25.1, and a policy fetch gains nothing).
# The certificate must be valid for {host} (e.g. from Let's Encrypt).
# Copy the folder {folder}/ from this bundle to {root}/,
# this file to /etc/nginx/sites-enabled/{host}.conf, then: nginx -t && systemctl reload nginx
server {{
    listen 443 ssl;
    listen [::]:443 ssl;  # drop this line on a host without IPv6
    server_name {host};

    ssl_certificate     /etc/letsencrypt/live/{host}/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/{host}/privkey.pem;
    ssl_protocols       TLSv1.2 TLSv1.3;

    root {root};
    autoindex off;

    # Senders accept only a 200 with text/plain; they never follow redirects.
    location = /{POLICY_PATH} {{
        default_type text/plain;
        types {{ }}
        charset off;
        add_header Cache-Control "no-cache" always;
        try_files /{POLICY_PATH} =404;
    }}

    # Anything else is a plain 404: no index, no listing, no redirect.
    location / {{
        return 404;
    }}
}}
"""


def render_caddy(domain: DomainName, folder: str = "") -> str:
    host = policy_host(domain)
    folder = folder or host
    root = web_root(domain)
    return f"""\
# Caddy 2: serve the MTA-STS policy for {domain.ascii}. Caddy obtains the certificate for
# {host} by itself once the name points at this server.
# Copy the folder {folder}/ from this bundle to {root}/,
# add this block to /etc/caddy/Caddyfile, then: caddy validate --config /etc/caddy/Caddyfile
# && systemctl reload caddy
{host} {{
    root * {root}

    # Senders accept only a 200 with text/plain; they never follow redirects.
    @policy path /{POLICY_PATH}
    handle @policy {{
        header Content-Type "text/plain"
        header Cache-Control "no-cache"
        file_server
    }}

    # Anything else is a plain 404: no index, no listing, no redirect.
    handle {{
        respond 404
    }}
}}
"""


def render_apache(domain: DomainName, folder: str = "") -> str:
    host = policy_host(domain)
    folder = folder or host
    root = web_root(domain)
    return f"""\
# Apache 2.4: serve the MTA-STS policy for {domain.ascii}.
# Needs mod_ssl, mod_alias, mod_mime and mod_headers: a2enmod ssl alias mime headers
# (Debian's ports.conf then already listens on 443). The certificate must be valid for
# {host} (e.g. from Let's Encrypt).
# Copy the folder {folder}/ from this bundle to {root}/,
# this file to /etc/apache2/sites-available/{host}.conf, then:
# a2ensite {host} && apachectl configtest && systemctl reload apache2
<VirtualHost *:443>
    ServerName {host}

    SSLEngine on
    SSLCertificateFile    /etc/letsencrypt/live/{host}/fullchain.pem
    SSLCertificateKeyFile /etc/letsencrypt/live/{host}/privkey.pem

    DocumentRoot {root}
    <Directory {root}>
        Options None
        AllowOverride None
        Require all granted
    </Directory>

    # Senders accept only a 200 with text/plain; they never follow redirects.
    <Location "/{POLICY_PATH}">
        ForceType text/plain
        Header always set Cache-Control "no-cache"
    </Location>

    # Anything else is a plain 404, answered before mod_dir could redirect "/dir" to "/dir/"
    # or list a folder.
    RedirectMatch 404 "^/(?!\\.well-known/mta-sts\\.txt$)"
</VirtualHost>
"""


def render_worker(domain: DomainName, policy: str) -> str:
    host = policy_host(domain)
    # json.dumps gives a valid JavaScript string literal and keeps the policy's CRLF exact.
    return f"""\
// Cloudflare Worker: serve the MTA-STS policy for {domain.ascii} at
// https://{host}/{POLICY_PATH} (wrangler.toml binds it to that custom domain,
// and Cloudflare provisions its certificate).
// Deploy: npx wrangler deploy   (in this folder)
// After each policy change, deploy again before publishing the new id in _mta-sts.

const POLICY_PATH = "/{POLICY_PATH}";
const POLICY = {json.dumps(policy)};

export default {{
  async fetch(request) {{
    const url = new URL(request.url);
    if (url.pathname !== POLICY_PATH) {{
      // Anything else is a plain 404: senders never follow redirects.
      return new Response("Not found\\n", {{
        status: 404,
        headers: {{ "Content-Type": "text/plain" }},
      }});
    }}
    if (request.method !== "GET" && request.method !== "HEAD") {{
      return new Response("Method not allowed\\n", {{
        status: 405,
        headers: {{ "Content-Type": "text/plain", Allow: "GET, HEAD" }},
      }});
    }}
    return new Response(request.method === "HEAD" ? null : POLICY, {{
      status: 200,
      headers: {{ "Content-Type": "text/plain", "Cache-Control": "no-cache" }},
    }});
  }},
}};
"""


def worker_name(domain: DomainName) -> str:
    """``mta-sts-example-com``: a Worker name is lower-case letters, digits and dashes."""
    return k8s_name(domain)


def render_wrangler(domain: DomainName, created: date) -> str:
    host = policy_host(domain)
    return f"""\
# Cloudflare Worker settings for the MTA-STS policy of {domain.ascii}.
# The zone {domain.ascii} must be on Cloudflare; the custom domain route makes Cloudflare
# create the DNS record and the certificate for {host}.
name = {json.dumps(worker_name(domain))}
main = "worker.js"
compatibility_date = "{created.isoformat()}"
workers_dev = false
routes = [
  {{ pattern = {json.dumps(host)}, custom_domain = true }},
]
"""


def render_pages_readme(domain: DomainName) -> str:
    host = policy_host(domain)
    return f"""\
# GitHub Pages: the MTA-STS policy for {domain.ascii}

Deploy: push the contents of this folder (with the hidden `.nojekyll` and `.well-known`) to
the root of a repository's Pages branch.

- `.nojekyll` must stay: without it Jekyll drops folders whose names start with a dot, and
  `.well-known/mta-sts.txt` would answer 404.
- The `CNAME` file alone is not enough: set the custom domain `{host}` in the repository's
  Settings → Pages, wait for the certificate, then tick "Enforce HTTPS".
- Point `{host}` at Pages with a CNAME record to `<user>.github.io` (never A/AAAA records
  of your own).
- IPv6: do not count on it. GitHub documents IPv6 (AAAA) addresses for Pages only for apex
  domains; `{host}` reaches Pages through its CNAME, so whether senders on IPv6-only networks
  can fetch the policy is up to GitHub. Check with `dig AAAA {host}`, and use another target
  if that matters.
- Pages answers every other path with its own 404 page, and redirects `http://` to
  `https://`: both are fine, senders fetch only the HTTPS policy URL.
"""


def k8s_name(domain: DomainName, suffix: str = "") -> str:
    """``mta-sts-example-com``: a DNS-1123 label (at most 63 characters) for this domain."""
    limit = K8S_NAME_LIMIT - len(suffix)
    base = re.sub(r"[^a-z0-9-]", "-", f"mta-sts-{domain.ascii}".lower())[:limit].rstrip("-")
    return base + suffix


def render_kubernetes(domain: DomainName, policy: str) -> str:
    """A ConfigMap with the policy and an nginx server, a Deployment, a Service and an Ingress."""
    host = policy_host(domain)
    name = k8s_name(domain)
    tls_secret = k8s_name(domain, "-tls")
    nginx_conf = f"""\
server {{
    listen 8080;
    server_name _;
    root /srv/mta-sts;
    location = /{POLICY_PATH} {{
        default_type text/plain;
        types {{ }}
        charset off;
        add_header Cache-Control "no-cache" always;
        try_files /{POLICY_PATH} =404;
    }}
    location / {{
        return 404;
    }}
}}
"""
    labels = f"app.kubernetes.io/name: {name}"
    # Strings go out as JSON literals, which are valid YAML double-quoted scalars: the policy's
    # CRLF and any odd character survive exactly.
    return f"""\
# Kubernetes: serve the MTA-STS policy for {domain.ascii} at https://{host}/{POLICY_PATH}
# Deploy: kubectl apply -n <namespace> -f mta-sts.yaml
# The Ingress terminates TLS with the secret {tls_secret}: create it, or let cert-manager
# do it by adding an annotation such as cert-manager.io/cluster-issuer: <your issuer>.
# After each policy change, apply again and roll the Deployment
# (kubectl rollout restart deployment/{name}) before publishing the new id in _mta-sts.
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  labels:
    {labels}
data:
  mta-sts.txt: {json.dumps(policy)}
  default.conf: {json.dumps(nginx_conf)}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    {labels}
spec:
  replicas: 2
  selector:
    matchLabels:
      {labels}
  template:
    metadata:
      labels:
        {labels}
    spec:
      containers:
        - name: nginx
          image: nginxinc/nginx-unprivileged:stable-alpine
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /{POLICY_PATH}
              port: http
          volumeMounts:
            - name: policy
              mountPath: /srv/mta-sts/.well-known/mta-sts.txt
              subPath: mta-sts.txt
              readOnly: true
            - name: policy
              mountPath: /etc/nginx/conf.d/default.conf
              subPath: default.conf
              readOnly: true
      volumes:
        - name: policy
          configMap:
            name: {name}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
    {labels}
spec:
  selector:
    {labels}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  labels:
    {labels}
spec:
  # ingressClassName: nginx   # if the cluster has no default ingress class
  tls:
    - hosts:
        - {host}
      secretName: {tls_secret}
  rules:
    - host: {host}
      http:
        paths:
          # Exact: every other path gets the ingress controller's 404, never a redirect.
          - path: /{POLICY_PATH}
            pathType: Exact
            backend:
              service:
                name: {name}
                port:
                  name: http
"""
