"""The WSGI entry point for gunicorn and `flask --app wsgi`."""

from grants.app import create_app

app = create_app()
