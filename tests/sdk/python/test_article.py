"""The two client snippets of Saar Berkovich's FastAPI article "How to build an OpenAI-compatible
API", verbatim apart from the port (base URL without /v1)."""

from openai import OpenAI

from conftest import ECHO


def test_article_snippet(server, capsys):
    # init client and connect to localhost server
    client = OpenAI(
        api_key="fake-api-key",
        base_url=f"http://localhost:{server.port}",  # change the default port if needed
    )

    # call API
    chat_completion = client.chat.completions.create(
        messages=[
            {
                "role": "user",
                "content": "Say this is a test",
            }
        ],
        model="gpt-1337-turbo-pro-max",
    )

    # print the top "choice"
    print(chat_completion.choices[0].message.content)

    assert capsys.readouterr().out == ECHO + "Say this is a test\n"
    assert chat_completion.model == "gpt-1337-turbo-pro-max"


def test_article_streaming_snippet(server, capsys):
    # init client and connect to localhost server
    client = OpenAI(
        api_key="fake-api-key",
        base_url=f"http://localhost:{server.port}",  # change the default port if needed
    )

    stream = client.chat.completions.create(
        model="mock-gpt-model",
        messages=[{"role": "user", "content": "Say this is a test"}],
        stream=True,
    )

    for chunk in stream:
        print(chunk.choices[0].delta.content or "")

    lines = capsys.readouterr().out.split("\n")
    assert lines[-1] == ""  # each print ends its line
    assert "".join(lines) == ECHO + "Say this is a test"
    assert len([line for line in lines if line]) == len((ECHO + "Say this is a test").split())
