"""Errors under /api/ always answer as problem+json."""


def test_unknown_api_route_and_wrong_method_answer_problem_json(db, client):
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert "وجود ندارد" in missing.json()["detail"]
    wrong = client.delete("/api/ping")
    assert wrong.status_code == 405
    assert wrong["Content-Type"] == "application/problem+json"
