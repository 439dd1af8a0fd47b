# The FastAPI mock of OpenAI's chat completions from Saar Berkovich's article "How to build an
# OpenAI-compatible API" (Mar 2024), the article oaimock started from, reconstructed verbatim
# from the final "putting it all together" version, as a peer for tests/bench/run.
# Run: uvicorn seed_server:app --port 8000   (the harness adds --workers 1 --no-access-log)
import asyncio
import json
import time
from typing import List, Optional

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.responses import StreamingResponse


class ChatMessage(BaseModel):
    role: str
    content: str


class ChatCompletionRequest(BaseModel):
    model: str = "mock-gpt-model"
    messages: List[ChatMessage]
    max_tokens: Optional[int] = 512
    temperature: Optional[float] = 0.1
    stream: Optional[bool] = False


app = FastAPI(title="OpenAI-compatible API")


async def _resp_async_generator(text_resp: str):
    # let's pretend every word is a token and return it over time
    tokens = text_resp.split(" ")

    for i, token in enumerate(tokens):
        chunk = {
            "id": i,
            "object": "chat.completion.chunk",
            "created": time.time(),
            "model": "blah",
            "choices": [{"delta": {"content": token + " "}}],
        }
        yield f"data: {json.dumps(chunk)}\n\n"
        await asyncio.sleep(1)
    yield "data: [DONE]\n\n"


@app.post("/chat/completions")
async def chat_completions(request: ChatCompletionRequest):

    if request.messages:
        resp_content = "As a mock AI Assitant, I can only echo your last message:" + request.messages[-1].content
    else:
        resp_content = "As a mock AI Assitant, I can only echo your last message, but there wasn't one!"
    if request.stream:
        return StreamingResponse(_resp_async_generator(resp_content), media_type="application/x-ndjson")

    return {
        "id": "1337",
        "object": "chat.completion",
        "created": time.time(),
        "model": request.model,
        "choices": [{
            "message": ChatMessage(role="assistant", content=resp_content)
        }]
    }
