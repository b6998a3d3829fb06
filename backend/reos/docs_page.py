"""A self-hosted Swagger UI at /api/v1/docs: no CDN, so it renders offline under a strict CSP."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Real Estate OS API</title>
<link rel="stylesheet" href="{prefix}/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{prefix}/static/swagger-ui-bundle.js"></script>
<script src="{prefix}/init.js"></script></body></html>"""

# External, not inline, so the page's CSP can stay `script-src 'self'`.
INIT_SCRIPT = """window.ui = SwaggerUIBundle({{url: "{openapi}", dom_id: "#swagger-ui",
  deepLinking: true, persistAuthorization: false}});"""


def mount_docs(app: FastAPI, *, prefix: str, openapi_url: str) -> None:
    page = DOCS_PAGE.format(prefix=prefix)
    script = INIT_SCRIPT.format(openapi=openapi_url)

    @app.get(prefix, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(prefix + "/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(script, media_type="application/javascript")

    app.mount(prefix + "/static", StaticFiles(directory=Path(str(swagger_ui_path))), "docs-static")
