"""Audio and moderations through the unchanged AzureOpenAI client: speech, transcriptions and
translations on their deployments (the SDK puts them under /deployments/), moderations under
/openai with the api-version. Bodies are validated as for the OpenAI paths they stand for."""

import openai
import pytest

from conftest import Server

VERSION = "2024-10-21"
TEN_WORDS = "one two three four five six seven eight nine ten"


@pytest.fixture(scope="module")
def azure_server():
    server = Server("--token-delay-ms", "0", "--api-key", "azure-key", "--azure-deployments", "voice=tts-1")
    yield server
    server.stop()


@pytest.fixture
def azure(azure_server):
    with openai.AzureOpenAI(
        azure_endpoint=azure_server.url, api_key="azure-key", api_version=VERSION, timeout=10.0
    ) as client:
        yield client


def wav_bytes(azure):
    return azure.audio.speech.create(model="voice", voice="alloy", input=TEN_WORDS, response_format="wav").content


def test_speech_on_its_deployment(azure, wire):
    audio = azure.audio.speech.create(model="voice", voice="alloy", input=TEN_WORDS)
    assert audio.response.headers["content-type"] == "audio/mpeg"
    assert audio.response.headers["x-ms-deployment-name"] == "voice"
    assert len(audio.content) > 1000
    assert wire[0].path == "/openai/deployments/voice/audio/speech"
    assert wire[0].request_json["model"] == "voice"


def test_transcriptions_and_translations_on_their_deployments(azure, wire):
    wav = wav_bytes(azure)
    transcript = azure.audio.transcriptions.create(model="whisper", file=("speech.wav", wav, "audio/wav"))
    assert isinstance(transcript.text, str) and transcript.text
    translation = azure.audio.translations.create(model="whisper", file=("speech.wav", wav, "audio/wav"))
    assert isinstance(translation.text, str) and translation.text
    assert [e.path for e in wire[1:]] == [
        "/openai/deployments/whisper/audio/transcriptions",
        "/openai/deployments/whisper/audio/translations",
    ]


def test_moderations_under_openai(azure, wire):
    result = azure.moderations.create(input="What a lovely garden.")
    assert result.results[0].flagged is False
    assert wire[0].path == "/openai/moderations"
