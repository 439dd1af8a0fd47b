"""LangChain's AzureChatOpenAI (`langchain-openai`) against oaimock's Azure routes: invoke and
stream through a deployment, the `api-key` header checked, Azure's filter results in the metadata
LangChain keeps, and LangChain's own error for a filtered completion. The journal shows the
Azure path and api-version LangChain sent."""

import pytest
from langchain_openai import AzureChatOpenAI

from conftest import ECHO

VERSION = "2024-10-21"


def azure_chat(server, **options):
    options.setdefault("api_key", "azure-key")
    return AzureChatOpenAI(
        azure_endpoint=server.url,
        azure_deployment="prod-chat",
        api_version=VERSION,
        max_retries=0,
        timeout=10,
        **options,
    )


@pytest.fixture
def azure_server(start_server):
    return start_server("--azure-deployments", "prod-chat=gpt-4o")


def test_invoke_through_a_deployment_keeps_azures_filter_results(azure_server):
    message = azure_chat(azure_server).invoke("hello langchain")
    assert message.content == ECHO + "hello langchain"
    assert message.response_metadata["model_name"] == "gpt-4o"
    assert message.response_metadata["finish_reason"] == "stop"
    results = message.response_metadata["content_filter_results"]
    assert results["violence"] == {"filtered": False, "severity": "safe"}
    [prompt] = message.response_metadata["prompt_filter_results"]
    assert prompt["prompt_index"] == 0
    assert prompt["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    [entry] = azure_server.journal()
    assert entry["path"] == "/openai/deployments/prod-chat/chat/completions"


def test_stream_through_a_deployment(azure_server):
    chunks = list(azure_chat(azure_server).stream("stream langchain"))
    assert "".join(chunk.content for chunk in chunks) == ECHO + "stream langchain"
    assert azure_server.journal()[0]["body"]["stream"] is True


def test_a_filtered_completion_is_langchains_error(azure_server):
    model = azure_chat(azure_server, default_headers={"x-oaimock-azure-filter": "completion"})
    with pytest.raises(ValueError, match="content filter"):
        model.invoke("filtered")


def test_the_api_key_header_is_checked_and_a_wrong_one_is_azures_401(start_server):
    import openai

    server = start_server("--api-key", "azure-key")
    assert azure_chat(server).invoke("keyed").content == ECHO + "keyed"
    with pytest.raises(openai.AuthenticationError) as caught:
        azure_chat(server, api_key="wrong").invoke("x")
    assert caught.value.body["code"] == "401"
