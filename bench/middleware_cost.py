"""Added cost per request of pitstop's Django middleware against django-maintenance-mode's
``MaintenanceModeMiddleware``, in one run, both answering "not in maintenance".

Each middleware wraps the same view (a plain ``HttpResponse``) and gets the same request
from Django's ``RequestFactory``; the cost added is the time per request minus the time of
the view alone. pitstop's guard answers from its gate's memory (a realistic state: the
platform covers the target and a gating window is upcoming); the baseline reads its state
file, as that library does by default.

    pip install -e '.[bench,django]' && python bench/middleware_cost.py

Aim: pitstop's added cost lower than the baseline's (ratio < 1).
"""

from __future__ import annotations

import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate_check import _gate

from pitstop.sdk.guard import MaintenanceGuard

CALLS = 20_000
ROUNDS = 5
FLOOR = 0.1  # us: below this the difference is the measurement's noise


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        import django
        from django.conf import settings

        guard = MaintenanceGuard("node:web-1", gate=_gate())
        settings.configure(
            DEBUG=False, SECRET_KEY="bench", ALLOWED_HOSTS=["*"], INSTALLED_APPS=[
                "django.contrib.auth", "django.contrib.contenttypes", "maintenance_mode"],
            MAINTENANCE_MODE_STATE_FILE_PATH=str(Path(tmp) / "maintenance_mode_state.txt"),
            ROOT_URLCONF=__name__, PITSTOP={"guard": guard, "allow_staff": False})
        django.setup()
        from django.http import HttpResponse
        from django.test import RequestFactory
        from maintenance_mode.core import set_maintenance_mode
        from maintenance_mode.middleware import MaintenanceModeMiddleware

        from pitstop.sdk.django import PitstopMiddleware

        set_maintenance_mode(False)
        request = RequestFactory().get("/orders")

        def view(request: object) -> HttpResponse:
            return HttpResponse("hello")

        timed = {"view alone": view, "django-maintenance-mode": MaintenanceModeMiddleware(view),
                 "pitstop": PitstopMiddleware(view)}
        for name, handler in timed.items():
            assert handler(request).status_code == 200, name
        per_call = {name: min(timeit.repeat(lambda h=h: h(request), number=CALLS,
                                            repeat=ROUNDS)) / CALLS * 1e6
                    for name, h in timed.items()}
    alone = per_call.pop("view alone")
    added = {name: us - alone for name, us in per_call.items()}
    for name, us in per_call.items():
        shown = f"{added[name]:8.2f}" if added[name] >= FLOOR else f"   < {FLOOR}"
        print(f"{name:<28} {shown} us added per request  ({us:.2f} in all)")
    ratio = max(added["pitstop"], FLOOR) / added["django-maintenance-mode"]
    bound = "<= " if added["pitstop"] < FLOOR else ""
    print(f"ratio pitstop / django-maintenance-mode (added cost) = {bound}{ratio:.3f}   "
          "aim < 1")


urlpatterns: list[object] = []

if __name__ == "__main__":
    main()
