"""A media worker process: `python -m server.media.worker SOCKET` (started by `workers.py`)."""

from __future__ import annotations

import os
import sys

from aiohttp import web

from server.app import database, media
from server.config import Settings
from server.keys import settings_key
from server.logs import configure_logging
from server.media.workers import worker_routes
from server.web.middleware import errors


def main(socket_path: str) -> None:
    settings = Settings.load(os.environ)
    configure_logging(settings.log_level)
    app = web.Application(middlewares=[errors])
    app[settings_key] = settings
    app.cleanup_ctx.extend([database, media])
    app.router.add_routes(worker_routes())
    web.run_app(app, path=socket_path, print=None, access_log=None)


if __name__ == "__main__":
    main(sys.argv[1])
