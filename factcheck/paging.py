"""Links to the next page of a filtered list, built only from the filter form's fields.

Copying request.args into url_for() let any query key through: `_method`, `_scheme` and
`_external` are url_for's own arguments (a 500, or paging links to another scheme), and
unknown keys were echoed into every link.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

_NOT_FILTERS = {"csrf_token", "submit"}


def filter_args(form: FlaskForm) -> dict[str, str]:
    """The non-empty query values of the form's own filter fields."""
    return {
        name: value
        for name in form._fields  # noqa: SLF001  (WTForms' field registry)
        if name not in _NOT_FILTERS and (value := request.args.get(name))
    }
