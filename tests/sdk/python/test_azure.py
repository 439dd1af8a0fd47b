"""The official AzureOpenAI clients, unchanged, against oaimock's Azure routes: deployment paths
with api-version, the api-key header and Entra ID bearer tokens, the content filter's fields and
refusals, and the /openai/v1 surface the plain OpenAI client uses. Every body is validated against
OpenAI's schema once Azure's own fields are checked and removed (azure_checks.strip_azure)."""

import asyncio

import openai
import pytest

from conftest import ECHO, Server, stream_helper

VERSION = "2024-10-21"
MESSAGES = [{"role": "user", "content": "hello from azure"}]


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--api-key", "azure-key", "--azure-deployments", "prod-chat=gpt-4o")
    yield server
    server.stop()


@pytest.fixture
def azure(azure_server):
    made = []

    def make(**options):
        options.setdefault("api_key", "azure-key")
        options.setdefault("api_version", VERSION)
        options.setdefault("timeout", 10.0)
        client = openai.AzureOpenAI(azure_endpoint=azure_server.url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def safe(results):
    return all(not value["filtered"] for value in results.values())


def test_chat_on_a_deployment_answers_as_its_model_with_filter_results(azure, wire):
    raw = azure().chat.completions.with_raw_response.create(model="prod-chat", messages=MESSAGES)
    completion = raw.parse()
    assert wire[0].path.startswith("/openai/deployments/prod-chat/chat/completions")
    assert wire[0].request_headers["api-key"] == "azure-key"
    assert completion.model == "gpt-4o"
    assert completion.choices[0].message.content == ECHO + "hello from azure"
    [prompt] = completion.model_extra["prompt_filter_results"]
    assert prompt["prompt_index"] == 0 and safe(prompt["content_filter_results"])
    assert safe(completion.choices[0].model_extra["content_filter_results"])
    assert raw.headers["x-ms-deployment-name"] == "prod-chat"
    assert len(raw.headers["apim-request-id"]) == 36


def test_chat_streamed_opens_with_the_prompt_results(azure):
    chunks = list(azure().chat.completions.create(model="prod-chat", messages=MESSAGES, stream=True))
    assert chunks[0].choices == [] and chunks[0].model_extra["prompt_filter_results"]
    assert "".join(c.choices[0].delta.content or "" for c in chunks[1:]) == ECHO + "hello from azure"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.model == "gpt-4o" for c in chunks[1:])


def test_the_stream_helper_reads_an_azure_stream(azure):
    client = azure()
    with stream_helper(client)(model="prod-chat", messages=MESSAGES) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == ECHO + "hello from azure"


def test_completions_and_embeddings_on_deployments(azure, wire):
    client = azure()
    completion = client.completions.create(model="instruct", prompt="say this")
    assert completion.model == "instruct"
    assert completion.choices[0].text.endswith("say this")
    assert safe(completion.choices[0].model_extra["content_filter_results"])
    streamed = list(client.completions.create(model="instruct", prompt="say this", stream=True))
    assert streamed[0].choices == []
    assert "".join(c.choices[0].text for c in streamed[1:]) == completion.choices[0].text
    embedding = client.embeddings.create(model="embed", input=["one", "two"])
    assert embedding.model == "embed" and len(embedding.data) == 2
    assert [e.path for e in wire] == [
        "/openai/deployments/instruct/completions",
        "/openai/deployments/instruct/completions",
        "/openai/deployments/embed/embeddings",
    ]


def test_models_are_listed_under_openai_with_the_api_version(azure, wire):
    models = azure().models.list()
    assert "gpt-4o" in [m.id for m in models.data]
    assert wire[0].path == "/openai/models"


def test_a_client_bound_to_a_deployment(azure, wire):
    client = azure(azure_deployment="prod-chat")
    completion = client.chat.completions.create(model="<ignored>", messages=MESSAGES)
    assert completion.model == "gpt-4o"
    assert wire[0].path == "/openai/deployments/prod-chat/chat/completions"


def test_entra_id_tokens_and_wrong_keys(azure):
    token_client = azure(api_key=None, azure_ad_token="azure-key")
    assert token_client.chat.completions.create(model="d", messages=MESSAGES).model == "d"
    with pytest.raises(openai.AuthenticationError) as caught:
        azure(api_key="wrong").chat.completions.create(model="d", messages=MESSAGES)
    assert caught.value.status_code == 401
    assert caught.value.body["code"] == "401"
    assert caught.value.body["message"].startswith("Access denied due to invalid subscription key")
    with pytest.raises(openai.AuthenticationError):
        azure(api_key=None, azure_ad_token="expired").chat.completions.create(model="d", messages=MESSAGES)


def test_an_unsupported_api_version_is_azures_400(azure):
    with pytest.raises(openai.BadRequestError) as caught:
        azure(api_version="2019-01-01").chat.completions.create(model="d", messages=MESSAGES)
    assert caught.value.body == {"code": "BadRequest", "message": "API version not supported"}


def test_the_content_filter_refuses_the_prompt_or_cuts_the_completion(azure):
    client = azure()
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="d", messages=MESSAGES, extra_headers={"x-oaimock-azure-filter": "prompt"}
        )
    err = caught.value
    assert err.code == "content_filter" and err.param == "prompt"
    assert err.body["innererror"]["code"] == "ResponsibleAIPolicyViolation"
    assert err.body["innererror"]["content_filter_result"]["violence"]["filtered"] is True
    completion = client.chat.completions.create(
        model="d", messages=MESSAGES, extra_headers={"x-oaimock-azure-filter": "completion"}
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "content_filter"
    assert choice.model_extra["content_filter_results"]["violence"] == {"filtered": True, "severity": "medium"}
    chunks = list(
        client.chat.completions.create(
            model="d", messages=MESSAGES, stream=True, extra_headers={"x-oaimock-azure-filter": "completion"}
        )
    )
    assert chunks[-1].choices[0].finish_reason == "content_filter"


def test_the_v1_surface_takes_the_plain_openai_client(azure_server, wire):
    with openai.OpenAI(base_url=azure_server.url + "/openai/v1/", api_key="azure-key", timeout=10.0) as client:
        completion = client.chat.completions.create(model="gpt-4.1", messages=MESSAGES)
    assert completion.model == "gpt-4.1"
    assert completion.model_extra["prompt_filter_results"]
    assert wire[0].path == "/openai/v1/chat/completions"


def test_the_async_azure_client(azure_server):
    async def main():
        async with openai.AsyncAzureOpenAI(
            azure_endpoint=azure_server.url, api_key="azure-key", api_version=VERSION, timeout=10.0
        ) as client:
            completion = await client.chat.completions.create(model="prod-chat", messages=MESSAGES)
            stream = await client.chat.completions.create(model="prod-chat", messages=MESSAGES, stream=True)
            deltas = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            return completion, deltas

    completion, deltas = asyncio.run(main())
    assert "".join(deltas) == completion.choices[0].message.content == ECHO + "hello from azure"
