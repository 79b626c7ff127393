"""`make bench-pages`' configuration (e): nginx ``proxy_cache`` in front of the node, as an operator
would set it up, the home-made page cache off behind it.

The configuration keeps nginx's defaults on what may be cached: a response with ``Set-Cookie``, with
``Cache-Control: private/no-cache/no-store`` or ``Vary: *`` is not stored, ``Vary`` is honoured, and
requests with a session cookie bypass the cache. The one addition an operator must make is
``proxy_cache_valid 200 60s`` (the node sends no ``Cache-Control: max-age`` on its pages, so without
it nginx stores nothing); 60 s is how long the home-made layer keeps catalogue pages.

nginx is a Debian package: when it is missing the bench installs it with apt-get (root only) and
otherwise skips this configuration with the reason.
"""

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    proxy_cache_path {work}/cache levels=1:2 keys_zone=pages:10m max_size=200m inactive=10m;
    upstream node {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://node;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_cache pages;
            proxy_cache_key $scheme$host$request_uri;
            proxy_cache_valid 200 60s;
            proxy_cache_bypass $cookie_sessionid $http_authorization;
            proxy_no_cache $cookie_sessionid $http_authorization;
            add_header X-Proxy-Cache $upstream_cache_status;
        }}
    }}
}}
"""


def nginx_binary() -> tuple[str | None, str]:
    """The nginx executable (installing the Debian package if missing and allowed), or None and why."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "nginx is not installed and this user cannot apt-get install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx-light"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return None, f"apt-get could not install nginx: {done.stderr.strip()[-200:]}"
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return (found, "") if Path(found).exists() else (None, "apt-get ran but nginx is still missing")


class Nginx:
    """nginx on ``port`` caching in front of the node on ``upstream``; one process (CPU is measurable)."""

    def __init__(self, binary: str, workdir: Path, *, port: int, upstream: int):
        self.binary = binary
        self.work = workdir / f"nginx-{port}"
        self.port = port
        self.upstream = upstream
        self.process = None

    def __enter__(self):
        self.work.mkdir(parents=True, exist_ok=True)
        conf = self.work / "nginx.conf"
        conf.write_text(CONFIG.format(work=self.work, port=self.port, upstream=self.upstream))
        self.process = subprocess.Popen(
            [self.binary, "-c", str(conf), "-p", str(self.work)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"nginx did not start: {(self.work / 'error.log').read_text()[-300:]}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
