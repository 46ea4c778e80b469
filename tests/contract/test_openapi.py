"""schemathesis over the whole OpenAPI document, in-process through Django's WSGI application.

Every operation is tried with the examples, coverage (boundary values, wrong types, missing
fields) and a few random fuzzing cases, as a staff member with a token and as an anonymous
client. Every answer must be no server error, with a status code, content type and body that
the document lists for that operation; data the document forbids must be refused.
"""

import hypothesis
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as openapi_checks

from dabir.accounts.services import issue_api_token
from dabir.api import api

# Random examples per operation on top of the boundary cases of the coverage phase: enough to vary
# the inputs, few enough for `make test` (the whole document runs in a few minutes on two cores).
MAX_EXAMPLES = 5


def load(**phases):
    config = SchemathesisConfig.from_dict({
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "phases": {"stateful": {"enabled": False}, **phases},
    })
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = load()
# Anonymous callers meet the sign-in check first: random data is enough there, no boundary cases.
anonymous_schema = load(coverage={"enabled": False})

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


@pytest.fixture
def staff_token(world):
    _, key = issue_api_token(user=world.clerk, name="schemathesis")
    return key


SETTINGS = hypothesis.settings(
    deadline=None, derandomize=True, database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_api_as_staff_matches_its_document(case, staff_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {staff_token}"}, checks=CHECKS)


@anonymous_schema.parametrize()
@SETTINGS
def test_api_anonymous_matches_its_document(case, db):
    case.call_and_validate(checks=CHECKS)
