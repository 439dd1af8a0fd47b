"""Files and Uploads through the official SDK: a binary file round trip (the bytes come back
identical), listing by purpose with the auto-paginating iterator in both orders, delete, and the
chunked upload helper (client.uploads.upload_file_chunked) with its md5."""

import hashlib

import openai

from conftest import raises


def test_a_binary_file_round_trips_byte_for_byte(client):
    data = bytes(range(256)) * 300 + b"\r\n--\x00"
    made = client.files.create(file=("blob.bin", data, "application/octet-stream"), purpose="user_data")
    assert made.id.startswith("file-")
    assert (made.object, made.bytes, made.filename, made.purpose) == ("file", len(data), "blob.bin", "user_data")
    assert client.files.retrieve(made.id) == made
    content = client.files.content(made.id)
    assert content.content == data
    assert content.response.headers["content-type"] == "application/octet-stream"
    deleted = client.files.delete(made.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (made.id, True, "file")
    raises(openai.NotFoundError, lambda: client.files.retrieve(made.id))
    raises(openai.NotFoundError, lambda: client.files.content(made.id))


def test_files_are_listed_by_purpose_through_every_page(client_for, server_with_rules):
    client = client_for(server_with_rules([]))
    ids = []
    for i in range(5):
        purpose = "assistants" if i == 2 else "batch"
        ids.append(client.files.create(file=(f"f{i}.jsonl", b"{}\n", "application/jsonl"), purpose=purpose).id)
    batch = [ids[i] for i in (0, 1, 3, 4)]
    assert [f.id for f in client.files.list(purpose="batch", limit=2)] == batch[::-1]
    assert [f.id for f in client.files.list(limit=2, order="asc")] == ids
    first = client.files.list(purpose="batch", limit=3)
    assert ([f.id for f in first.data], first.has_next_page()) == (batch[::-1][:3], True)
    assert [f.id for f in client.files.list(purpose="vision")] == []
    raises(openai.BadRequestError, lambda: client.files.create(file=("a.txt", b"x", "text/plain"), purpose="fun"))


def test_the_chunked_upload_helper_builds_the_file(client, tmp_path):
    data = bytes((i * 7919) % 251 for i in range(300_000))
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    upload = client.uploads.upload_file_chunked(
        file=path,
        mime_type="application/octet-stream",
        purpose="assistants",
        part_size=64 * 1024,
        md5=hashlib.md5(data).hexdigest(),
    )
    assert (upload.object, upload.status, upload.bytes, upload.filename) == ("upload", "completed", len(data), "big.bin")
    assert upload.file.bytes == len(data)
    assert client.files.content(upload.file.id).content == data


def test_an_upload_s_parts_are_joined_in_the_order_given_and_a_bad_md5_is_refused(client):
    upload = client.uploads.create(bytes=6, filename="x.txt", mime_type="text/plain", purpose="assistants")
    a = client.uploads.parts.create(upload.id, data=b"abc")
    b = client.uploads.parts.create(upload.id, data=b"def")
    assert (a.object, a.upload_id) == ("upload.part", upload.id)
    raises(openai.BadRequestError, lambda: client.uploads.complete(upload.id, part_ids=[b.id, a.id], md5="0" * 32))
    done = client.uploads.complete(upload.id, part_ids=[b.id, a.id], md5=hashlib.md5(b"defabc").hexdigest())
    assert done.status == "completed"
    assert client.files.content(done.file.id).content == b"defabc"
    other = client.uploads.create(bytes=1, filename="y.txt", mime_type="text/plain", purpose="assistants")
    assert client.uploads.cancel(other.id).status == "cancelled"
