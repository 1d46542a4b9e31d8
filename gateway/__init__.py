"""The cutover gateway: one ASGI app that sends each endpoint to the backend a YAML routing
table names (a WSGI app, an ASGI app, or a URL). Nothing here knows about MVidarr."""
