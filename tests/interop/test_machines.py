"""Dabir on several machines: two web servers and two task workers (processes on this machine, each with
a var directory of its own) against one PostgreSQL database, one Redis and one S3-compatible object
store. Traffic goes through both web servers: a letter registered with an attachment on one is read,
found (through the read-replica setting) and its file served by the other; a citizen's session begun
on one goes on at the other; the jobs a web server enqueues in Redis (an SMS, an exchange letter) are
done by the workers, and only for committed changes; rate limits count requests to both servers.
"""

import hashlib
import io
import json
import re

import httpx
import pytest

from .servers import postgres_url, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_url(), reason="several machines share one PostgreSQL database: this test "
                       "needs DABIR_DATABASE_URL=postgres://... (SQLite is for one machine)"),
]

TRACK_LIMIT = 6  # public tracking lookups per client address per window, counted across the servers
REDIS_DB = 9  # a database number of its own on the local Redis, flushed before and after


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from .cluster import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("cluster"), pg_base=postgres_url(), redis_db=REDIS_DB,
                      env={"DABIR_DESK_TRACK_LIMIT": str(TRACK_LIMIT), "DABIR_DESK_TRACK_WINDOW": "600"})
    # The second server searches through the read-replica alias (here the primary itself: the wiring).
    cluster.web[1].env["DABIR_DATABASE_REPLICA_URL"] = cluster.database_url
    with cluster as c:
        c.seeded = c.web[0].action("setup", code="cl1", name="استانداری خوشه", more=[("cl2", "شهرداری خوشه")])
        yield c


def _pdf(text: str) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _api(cluster, node: int) -> httpx.Client:
    return httpx.Client(base_url=cluster.web[node].url + "/api",
                        headers={"Authorization": f"Bearer {cluster.seeded['token']}"}, timeout=60)


def test_a_letter_registered_on_one_server_is_read_and_its_file_served_by_the_other(cluster):
    content = _pdf("پیوست نامه خوشه")
    data = {"secretariat_id": cluster.seeded["secretariat_id"], "subject": "نامه ثبت‌شده روی سرور نخست",
            "sender_name": "اداره کل آزمون"}
    with _api(cluster, 0) as a:
        made = a.post("/letters/incoming", data={"data": json.dumps(data, ensure_ascii=False)},
                      files=[("files", ("پیوست.pdf", content, "application/pdf"))])
    assert made.status_code == 201, made.text
    letter = made.json()
    [attachment] = letter["attachments"]

    with _api(cluster, 1) as b:
        read = b.get(f"/letters/{letter['id']}")
        served = b.get(f"/letters/{letter['id']}/attachments/{attachment['id']}")
        found = b.get("/letters/search", params={"q": "ثبت‌شده سرور نخست"})
    assert found.status_code == 200 and [x["id"] for x in found.json()["items"]] == [letter["id"]], found.text
    assert read.status_code == 200 and read.json()["number"] == letter["number"]
    assert read.json()["subject"] == data["subject"]
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-length"] == str(len(content))
    assert served.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest()

    # The file is in the shared bucket and in neither node's own folder.
    digest = hashlib.sha256(content).hexdigest()
    assert f"attachments/{digest[:2]}/{digest}" in cluster.s3_keys("attachments/")
    for node in [*cluster.web, *cluster.workers]:
        assert not list(node.var.rglob(digest)), node.name

    # `dabir cleanup` walks the bucket: an object no row names is an orphan once a day old, the
    # letter's attachment never is.
    # A desk draft (desk-drafts/<key>/<name>) goes once older than the session lifetime.
    orphan, draft = "attachments/ab/ab" + "0" * 62, f"desk-drafts/{'d' * 32}/0011223344556677"
    for key in (orphan, draft):
        cluster.s3_client().put_object(Bucket="dabir-cluster", Key=key, Body=b"%PDF-1.4 left behind")
    now = cluster.web[1].action("orphans", days_ahead=0)
    later = cluster.web[1].action("orphans", days_ahead=2)
    assert now == {"storage": "S3Storage", "orphans": [], "drafts": {}, "check_deploy": ""}  # check-deploy's write test
    assert later["orphans"] == [orphan]
    assert later["drafts"] == {f"desk-drafts/{'d' * 32}": [draft]}


def test_a_session_begun_on_one_server_goes_on_at_the_other_with_the_sms_a_worker_sent(cluster):
    national_code, mobile = "0012345679", "09121236789"
    with httpx.Client(base_url=cluster.web[0].url, timeout=60) as a:
        form = a.get("/citizen/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        asked = a.post("/citizen/login/", data={"csrfmiddlewaretoken": token, "action": "request",
                                                "national_code": national_code, "mobile": mobile})
        assert asked.status_code == 302, asked.text[-2000:]
        cookies = dict(a.cookies)

    # The web server put the job in Redis after its commit; a worker (either) took it and sent the SMS.
    def sent():
        rows = cluster.sql("SELECT status, text FROM notify_smsmessage WHERE mobile = %s", mobile)
        return rows if rows and rows[0][0] in ("sent", "delivered") else None

    [(status, text)] = wait_for(sent, timeout=90, interval=0.5, what="the OTP SMS to be sent by a worker")
    assert cluster.sql("SELECT count(*) FROM django_tasks_database_dbtaskresult") == [(0,)]  # not the DB queue
    assert len(cluster.redis().smembers("rq:workers")) == 2
    code = re.search(r"\b(\d{6})\b", text).group(1)

    with httpx.Client(base_url=cluster.web[1].url, cookies=cookies, timeout=60) as b:
        step = b.get("/citizen/login/?step=code")
        assert step.status_code == 200 and "csrfmiddlewaretoken" in step.text  # B knows A's session
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', step.text).group(1)
        signed = b.post("/citizen/login/",
                        data={"csrfmiddlewaretoken": token, "action": "verify", "code": code})
        assert signed.status_code == 302, signed.text[-2000:]


def test_a_job_reaches_redis_only_when_its_change_commits(cluster):
    def jobs() -> set[bytes]:
        return set(cluster.redis().scan_iter("rq:job:*"))

    before = jobs()
    assert cluster.web[0].action("enqueue", commit=False) == {"database_queue": False}
    assert jobs() == before  # rolled back: nothing was queued
    cluster.web[0].action("enqueue", commit=True)
    [new] = jobs() - before
    job_id = new.decode().removeprefix("rq:job:")

    def finished():
        from rq.job import Job

        status = Job.fetch(job_id, connection=cluster.redis()).get_status()
        return status if status == "finished" else None

    wait_for(finished, timeout=60, interval=0.5, what="a worker to run the committed job")


def test_an_exchange_message_queued_by_a_web_server_is_sent_by_a_worker(cluster):
    sent = cluster.web[0].run("send", json.dumps({"code": "cl1", "to": ["cl2"]}),
                              module="tests.interop.agent")
    sent = json.loads(sent.strip().splitlines()[-1])

    def arrived():
        out = cluster.web[1].run("arrivals", json.dumps({"code": "cl2"}), module="tests.interop.agent")
        return [a for a in json.loads(out.strip().splitlines()[-1]) if a["sender_number"] == sent["number"]]

    wait_for(arrived, timeout=90, interval=1, what="the letter to arrive through the exchange")

    def delivered():  # the letter and the receipt that answers it, each sent by a worker's job
        states = [state for (state,) in cluster.sql("SELECT state FROM exchange_transfer")]
        return states if states and set(states) == {"delivered"} else None

    wait_for(delivered, timeout=90, interval=1, what="every transfer to hold its delivery receipt")


def test_rate_limits_count_the_requests_to_both_servers(cluster):
    lookup = {"tracking_code": "DBR-0000-0000", "national_code": "0012345679"}
    answers = []
    for n in range(TRACK_LIMIT):
        with httpx.Client(base_url=cluster.web[n % 2].url + "/api", timeout=60) as client:
            answers.append(client.post("/desk/track", json=lookup).status_code)
    assert 429 not in answers  # three on each server: six in all, the limit
    for node in cluster.web:
        with httpx.Client(base_url=node.url + "/api", timeout=60) as client:
            assert client.post("/desk/track", json=lookup).status_code == 429, node.name
