"""Server-rendered pages for hub operators; no JavaScript build step."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from hub.api.deps import get_engine
from hub.api.weighings import recent_weighings
from hub.web.i18n import DEFAULT_LANGUAGE, kilograms, translate

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


@router.get("/", response_class=HTMLResponse)
def weighings_page(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    lang: Annotated[str, Query(pattern="^(id|en)$")] = DEFAULT_LANGUAGE,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "weighings.html",
        {
            "lang": lang,
            "t": partial(translate, lang),
            "kg": partial(kilograms, language=lang),
            "weighings": recent_weighings(engine, limit=100),
            "refresh_s": 5,
        },
    )
