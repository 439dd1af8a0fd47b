"""The Responses API through the AzureOpenAI client: /openai/responses with api-version, and the
/openai/v1 surface. Not collected for SDKs without client.responses (see conftest)."""

import openai

from conftest import ECHO, Server

import pytest


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--api-key", "azure-key")
    yield server
    server.stop()


def test_responses_plain_and_streamed(azure_server, wire):
    with openai.AzureOpenAI(
        azure_endpoint=azure_server.url, api_key="azure-key", api_version="2025-04-01-preview", timeout=10.0
    ) as client:
        response = client.responses.create(model="gpt-4o", input="respond please")
        assert response.output_text == ECHO + "respond please"
        events = list(client.responses.create(model="gpt-4o", input="respond please", stream=True))
        assert events[-1].type == "response.completed"
        assert events[-1].response.output_text == response.output_text
    assert [e.path for e in wire] == ["/openai/responses", "/openai/responses"]


def test_responses_on_the_v1_surface(azure_server, wire):
    with openai.OpenAI(base_url=azure_server.url + "/openai/v1/", api_key="azure-key", timeout=10.0) as client:
        assert client.responses.create(model="gpt-4o", input="v1").output_text == ECHO + "v1"
    assert wire[0].path == "/openai/v1/responses"
