"""Path and query parameters shared by the routers: ids bounded to what their column holds,
so an id no row can have is a 422 naming the parameter, never an overflow in a query."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from pitstop.storage.types import BIG_ID_MAX, INTEGER_MAX

WindowId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="a window's id")]
OccurrenceId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="an occurrence's id")]
DeliveryId = Annotated[int, Path(ge=1, le=BIG_ID_MAX, description="a delivery's id")]
DeliveryBefore = Annotated[int | None, Query(ge=1, le=BIG_ID_MAX,
                                             description="continue below this id")]
EVENT_ID_MAX = BIG_ID_MAX
AuditCursor = Annotated[int | None, Query(ge=1, le=BIG_ID_MAX,
                                          description="an audit entry's id to page from")]
