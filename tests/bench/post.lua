-- wrk script for tests/bench/run: POST one non-streamed chat completion request per call.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say this is a test"}]}'
