"""models.list and models.retrieve through the official SDK."""

from conftest import FT_MODEL, REQUEST_ID


def test_list_models(client):
    page = client.models.list()
    models = list(page)
    ids = [m.id for m in models]
    assert "gpt-4o" in ids and "gpt-4o-mini" in ids
    assert len(ids) == len(set(ids))
    for m in models:
        assert m.object == "model"
        assert isinstance(m.created, int)
        assert isinstance(m.owned_by, str) and m.owned_by
    assert page.object == "list"


def test_retrieve_model(client):
    model = client.models.retrieve("gpt-4o-mini")
    assert (model.id, model.object) == ("gpt-4o-mini", "model")
    assert isinstance(model.created, int)
    assert REQUEST_ID.fullmatch(model._request_id)


def test_retrieve_fine_tuned_id_with_colons_and_slash(client_for, strict_server):
    strict = client_for(strict_server)
    assert [m.id for m in strict.models.list()] == ["gpt-4o-mini", FT_MODEL]
    assert strict.models.retrieve(FT_MODEL).id == FT_MODEL


def test_models_with_raw_response(client):
    raw = client.models.with_raw_response.list()
    assert REQUEST_ID.fullmatch(raw.headers["x-request-id"])
    assert raw.parse().data[0].object == "model"
