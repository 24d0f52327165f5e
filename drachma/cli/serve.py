"""``drachma serve``: run the web app (pages and JSON API) with uvicorn."""

from __future__ import annotations

import typer

from drachma.cli.common import console, friendly, open_store


@friendly
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    forwarded_allow_ips: str = typer.Option(
        None, "--forwarded-allow-ips",
        help="Addresses of a reverse proxy whose X-Forwarded-For/-Proto headers are trusted "
        "(so the audit log records the real client and cookies are Secure over HTTPS).",
    ),
    no_worker: bool = typer.Option(False, "--no-worker",
                                   help="Do not run the due-time worker in the background."),
) -> None:
    """Serve the web pages and the JSON API (docs at /api/docs)."""
    import uvicorn

    from drachma.config import load_settings
    from drachma.web.app import create_app

    store = open_store()
    app = create_app(store, load_settings())
    if not no_worker:  # --- incidents: escalations, reminders, alert e-mails ---
        from drachma.safeguarding.rules import check_data_files
        from drachma.safeguarding.worker import start_background

        check_data_files()
        start_background(store)
    console.print(f"Drachma at http://{host}:{port}/ (API docs at /api/docs); Ctrl+C stops it.",
                  highlight=False)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``drachma serve`` to the main app."""
    app.command("serve")(serve)
