"""The gateway's `url:` backend and WSGI mount against their usual peers (nginx, gunicorn)."""
