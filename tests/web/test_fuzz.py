"""Schemathesis against the app's OpenAPI spec, in-process (ASGI), bounded: zero server errors.

Every generated request must get a non-5xx answer; every 4xx must have the one error shape.
The operations are driven through Hypothesis directly (``operation.as_strategy()``), with a bounded
number of examples per operation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow
EXAMPLES = 15


@pytest.fixture(scope="module")
def web_schema(toy_store: Path):
    from labourlink.web.app import create_app

    return schemathesis.openapi.from_asgi("/openapi.json", create_app(toy_store))


def _runner(op, seen: dict[str, set[int]]):
    """A Hypothesis test for one API operation (bounded examples)."""
    label = op.label

    @given(case=op.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call()
        case.validate_response(response, checks=(not_a_server_error,))
        assert response.status_code < 500, (case.path, response.text)
        seen.setdefault(label, set()).add(response.status_code)
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"ok", "status", "error", "errors"}, body
            assert body["ok"] is False and body["status"] == response.status_code

    return run


def test_no_server_errors(web_schema) -> None:
    ops = [r.ok() for r in web_schema.get_all_operations()]
    assert len(ops) >= 9
    seen: dict[str, set[int]] = {}
    for op in ops:
        _runner(op, seen)()
    assert set(seen) == {op.label for op in ops}
    # the fuzzing reached both answers and rejections
    codes = set().union(*seen.values())
    assert 200 in codes and codes & {404, 422}
