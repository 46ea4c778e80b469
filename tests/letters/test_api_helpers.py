"""Shared helpers for the API tests: a client that speaks JSON with a bearer token."""

import json

from django.test import Client

from dabir.accounts.services import issue_api_token
from tests.factories import PDF_BYTES

PDF = PDF_BYTES  # a whole PDF: uploads are parsed, not judged by their first bytes
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64


class Api:
    """A user's API session over the real URLconf, authenticated by a freshly issued token."""

    def __init__(self, user, position=None):
        self.client = Client()
        self.token, self.key = issue_api_token(user=user, name="آزمون")
        self.headers = {"Authorization": f"Bearer {self.key}"}
        if position is not None:
            self.headers["X-Dabir-Position"] = str(position.id)

    def get(self, path, params=None, **headers):
        return self.client.get(path, params or {}, headers={**self.headers, **headers})

    def send(self, method, path, data=None, **headers):
        body = data if isinstance(data, (bytes, str)) else json.dumps(data if data is not None else {})
        return getattr(self.client, method)(path, body, content_type="application/json",
                                            headers={**self.headers, **headers})

    def post(self, path, data=None, **headers):
        return self.send("post", path, data, **headers)

    def put(self, path, data=None, **headers):
        return self.send("put", path, data, **headers)

    def delete(self, path, **headers):
        return self.client.delete(path, headers={**self.headers, **headers})

    def multipart(self, path, data, **headers):
        return self.client.post(path, data, headers={**self.headers, **headers})


def upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def assert_problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["detail"]), body  # Persian detail
    return body


def register_incoming(api, world, *, refer_to=(), files=(), **fields):
    data = {"subject": "درخواست بودجه", "sender_name": "شهرداری اهواز", "channel": "post",
            "refer_to": list(refer_to), **fields}
    return api.multipart("/api/letters/incoming", {"data": json.dumps(data), "files": list(files)})
