"""LangChain's AzureChatOpenAI against oaimock's Azure routes: invoke and stream through a
deployment, Azure's filter results in the metadata LangChain keeps, and LangChain's own error for
a filtered completion. Its traffic goes through openai's AzureOpenAI client, so the wire fixture
records it and validates every body."""

import pytest
from langchain_openai import AzureChatOpenAI

from conftest import ECHO, Server


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--api-key", "azure-key", "--azure-deployments", "prod-chat=gpt-4o")
    yield server
    server.stop()


def chat(server, **options):
    return AzureChatOpenAI(
        azure_endpoint=server.url,
        azure_deployment="prod-chat",
        api_version="2024-10-21",
        api_key="azure-key",
        timeout=10.0,
        max_retries=0,
        **options,
    )


def test_invoke_through_a_deployment(azure_server, wire):
    message = chat(azure_server).invoke("hello langchain")
    assert message.content == ECHO + "hello langchain"
    assert message.response_metadata["model_name"] == "gpt-4o"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["content_filter_results"]["violence"]["filtered"] is False
    [prompt] = message.response_metadata["prompt_filter_results"]
    assert prompt["prompt_index"] == 0
    assert wire[0].path == "/openai/deployments/prod-chat/chat/completions"


def test_stream_through_a_deployment(azure_server):
    chunks = list(chat(azure_server).stream("stream langchain"))
    assert "".join(c.content for c in chunks) == ECHO + "stream langchain"


def test_a_filtered_completion_is_langchains_error(azure_server):
    model = chat(azure_server, default_headers={"x-oaimock-azure-filter": "completion"})
    with pytest.raises(ValueError, match="content filter"):
        model.invoke("filtered")
