"""nginx configurations of the benchmark: a tiny upstream and a reverse proxy to it.

Both run as Debian's nginx package does, with one worker, no access log, and (for the
proxy) a keep-alive pool to the upstream, the way nginx is deployed in front of an app.
"""

from __future__ import annotations

from pathlib import Path

# The tiny upstream's answer (what every peer proxies).
BODY = '{"status":"ok"}'

COMMON = """\
daemon off;
worker_processes 1;
pid {workdir}/{name}.pid;
error_log {workdir}/{name}.error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {workdir}/{name}-body;
  proxy_temp_path {workdir}/{name}-proxy;
  fastcgi_temp_path {workdir}/{name}-fastcgi;
  uwsgi_temp_path {workdir}/{name}-uwsgi;
  scgi_temp_path {workdir}/{name}-scgi;
{server}
}}
"""

UPSTREAM = """\
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{body}'; }}
  }}"""

PROXY = """\
  upstream app {{ server 127.0.0.1:{upstream_port}; keepalive 128; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }}
  }}"""


def write_config(workdir: Path, name: str, server: str) -> Path:
    path = workdir / f"{name}.conf"
    path.write_text(COMMON.format(workdir=workdir, name=name, server=server))
    return path


def upstream_config(workdir: Path, port: int) -> Path:
    return write_config(workdir, "upstream", UPSTREAM.format(port=port, body=BODY))


def proxy_config(workdir: Path, port: int, upstream_port: int) -> Path:
    return write_config(workdir, "proxy", PROXY.format(port=port, upstream_port=upstream_port))
