"""The moderator page at /ui: server-rendered (Jinja2 + htmx), login per moderator."""
