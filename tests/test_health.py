from rollweb import health


def test_healthz_checks_database_broker_and_storage(client, db, stored_files):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}
    assert stored_files() == []  # the storage probe cleans up


def test_healthz_reports_a_failing_check(client, db, monkeypatch):
    def broken():
        raise ConnectionError("broker down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable: ConnectionError"
