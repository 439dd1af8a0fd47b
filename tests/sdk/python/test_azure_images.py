"""Images through the unchanged AzureOpenAI client: generations and edits on their deployments
(mapped to dall-e-3 and dall-e-2 with --azure-deployments), variations under /openai. Bodies are
validated as for the OpenAI paths they stand for."""

import base64
import io

import openai
import pytest
from PIL import Image

from conftest import Server


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--azure-deployments", "dalle3=dall-e-3,dalle2=dall-e-2")
    yield server
    server.stop()


@pytest.fixture
def azure(azure_server):
    with openai.AzureOpenAI(
        azure_endpoint=azure_server.url, api_key="azure-key", api_version="2024-10-21", timeout=10.0
    ) as client:
        yield client


def opened(data, size):
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == size
    return image


def test_generations_on_a_deployment_answer_as_its_model(azure, wire):
    result = azure.images.generate(model="dalle3", prompt="an otter", size="1024x1024", response_format="b64_json")
    [item] = result.data
    assert item.revised_prompt
    opened(base64.b64decode(item.b64_json), (1024, 1024))
    assert wire[0].path == "/openai/deployments/dalle3/images/generations"
    assert wire[0].headers["x-ms-deployment-name"] == "dalle3"


# openai-python put edits under /deployments/ after 1.55.3; before, they go to /openai/images/edits
# with the model the caller names.
EDITS_ON_DEPLOYMENTS = "/images/edits" in openai.lib.azure._deployments_endpoints


def test_edits_where_the_sdk_sends_them(azure, wire):
    source = base64.b64decode(
        azure.images.generate(model="dalle2", prompt="source", size="256x256", response_format="b64_json").data[0].b64_json
    )
    model = "dalle2" if EDITS_ON_DEPLOYMENTS else "dall-e-2"
    # A multipart form: the deployment's model replaces the form's `model` field.
    edited = azure.images.edit(model=model, image=("source.png", source, "image/png"), prompt="a hat", size="256x256",
                               response_format="b64_json")
    opened(base64.b64decode(edited.data[0].b64_json), (256, 256))
    expected = "/openai/deployments/dalle2/images/edits" if EDITS_ON_DEPLOYMENTS else "/openai/images/edits"
    assert wire[1].path == expected


# Variations are in neither SDK's _deployments_endpoints: they go to /openai/images/variations with
# the api-version, and the client's `model` is read as it is.
def test_variations_under_openai(azure, wire):
    source = base64.b64decode(
        azure.images.generate(model="dalle2", prompt="source", size="256x256", response_format="b64_json").data[0].b64_json
    )
    varied = azure.images.create_variation(
        model="dall-e-2", image=("source.png", source, "image/png"), n=2, size="256x256", response_format="b64_json"
    )
    assert len(varied.data) == 2
    for item in varied.data:
        opened(base64.b64decode(item.b64_json), (256, 256))
    assert wire[1].path == "/openai/images/variations"
