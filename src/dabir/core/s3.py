"""Files in an S3-compatible object store (django-storages), for several machines (docs/deploy.md).

Imported only when DABIR_S3_BUCKET is set: a single machine never loads boto3.
"""

import posixpath
from collections.abc import Iterator

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage as BaseS3Storage
from storages.utils import clean_name


class S3Storage(BaseS3Storage):
    def open_stream(self, name: str):
        """The object's body as a stream and its size: a download is relayed chunk by chunk (django-storages'
        own file object first copies the whole object into memory)."""
        key = self._normalize_name(clean_name(name))
        try:
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from err
            raise
        return answer["Body"], answer["ContentLength"]

    def walk_files(self, folder: str) -> Iterator[tuple]:
        """Names (relative to the storage's location) and modification times of every object under `folder`,
        from the listing itself: no request per file."""
        prefix = self._normalize_name(clean_name(folder)).rstrip("/") + "/"
        root = self._normalize_name("")
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", []):
                name = posixpath.relpath(entry["Key"], root) if root else entry["Key"]
                yield name, entry["LastModified"]
