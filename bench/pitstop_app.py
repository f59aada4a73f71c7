"""pitstop's app as a uvicorn factory, configured from PITSTOP_* like `pitstop serve`."""

from pitstop.app import create_app as _create


def create_app():  # type: ignore[no-untyped-def]
    return _create()
