"""Reading GOV.UK Frontend form patterns back out of a request.

A date input is three boxes named ``<name>-day``, ``<name>-month`` and ``<name>-year``; the pages
join them into the ``dd/mm/yyyy`` text the library's date parser reads, so that the same parser
(and the same error messages) serve the CLI, the API and the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

DATE_PARTS = ("day", "month", "year")


def date_value(params: Mapping[str, str] | FormData, name: str) -> str:
    """The date a person typed into the date input ``name``, as ``dd/mm/yyyy``.

    Empty when every box is empty. A link or script that sends the single field ``name`` (for
    example ``?received_from=01/01/2019``) is read as it is.
    """
    parts = [str(params.get(f"{name}-{part}", "") or "").strip() for part in DATE_PARTS]
    if any(parts):
        return "/".join(parts)
    return str(params.get(name, "") or "").strip()


async def form_fields(request: Request) -> FormData:
    """The submitted form (already parsed and cached by Starlette for the Form parameters)."""
    return await request.form()


Fields = Annotated[FormData, Depends(form_fields)]
