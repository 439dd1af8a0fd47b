//! The flag table: every flag's name, its value's placeholder and its line in `--help`.

/// One flag: its name after `--`, whether it takes a value, and its line in `--help`.
pub(super) struct Flag {
    pub(super) name: &'static str,
    pub(super) value: Option<&'static str>,
    pub(super) help: &'static str,
}

pub(super) const FLAGS: &[Flag] = &[
    Flag {
        name: "host",
        value: Some("ADDR"),
        help: "address to bind [default: 127.0.0.1]",
    },
    Flag {
        name: "port",
        value: Some("PORT"),
        help: "port to bind, 0 picks a free one [default: 8000]",
    },
    Flag {
        name: "token-delay-ms",
        value: Some("MS"),
        help: "pause before each streamed word [default: 30]",
    },
    Flag {
        name: "reply",
        value: Some("TEXT"),
        help: "answer with TEXT instead of echoing the last message",
    },
    Flag {
        name: "api-key",
        value: Some("KEY"),
        help: "require `Authorization: Bearer KEY` (401 otherwise)",
    },
    Flag {
        name: "max-body-bytes",
        value: Some("N"),
        help: "largest request body accepted, else 413 [default: 8388608]",
    },
    Flag {
        name: "max-connections",
        value: Some("N"),
        help: "requests answered at once, beyond it 503 [default: 4096]",
    },
    Flag {
        name: "write-timeout-ms",
        value: Some("MS"),
        help: "give up on a client that reads nothing for MS [default: 10000]",
    },
    Flag {
        name: "read-timeout-ms",
        value: Some("MS"),
        help: "answer 408 to a request body that takes longer than MS [default: 30000]",
    },
    Flag {
        name: "models",
        value: Some("A,B,C"),
        help: "model ids listed by /v1/models [default: common OpenAI ids]",
    },
    Flag {
        name: "strict-models",
        value: None,
        help: "answer 404 model_not_found for models not in --models",
    },
    Flag {
        name: "fixtures",
        value: Some("PATH"),
        help: "scripted replies: a JSON rule file or a directory of them",
    },
    Flag {
        name: "auto-tool-calls",
        value: None,
        help: "with tool_choice \"auto\", call a tool instead of replying",
    },
    Flag {
        name: "fault-rate",
        value: Some("P"),
        help: "fail this share (0..1) of API requests at random [default: 0]",
    },
    Flag {
        name: "fault-statuses",
        value: Some("A,B"),
        help: "statuses random faults draw from [default: 429,500,503]",
    },
    Flag {
        name: "seed",
        value: Some("N"),
        help: "repeat the same random faults and jitter for the same request order",
    },
    Flag {
        name: "rpm",
        value: Some("N"),
        help: "rate limit: requests per minute, per scope (429 beyond)",
    },
    Flag {
        name: "tpm",
        value: Some("N"),
        help: "rate limit: prompt tokens (words) per minute, per scope",
    },
    Flag {
        name: "max-scopes",
        value: Some("N"),
        help: "scopes remembered per table, least recently used out [default: 10000]",
    },
    Flag {
        name: "store-objects",
        value: Some("N"),
        help: "stored objects kept over all scopes, oldest out [default: 10000]",
    },
    Flag {
        name: "store-bytes",
        value: Some("N"),
        help: "bytes of stored objects over all scopes, oldest out [default: 67108864]",
    },
    Flag {
        name: "store-scope-objects",
        value: Some("N"),
        help: "stored objects kept per scope, oldest out [default: 100]",
    },
    Flag {
        name: "store-scope-bytes",
        value: Some("N"),
        help: "bytes of stored objects per scope, oldest out [default: 16777216]",
    },
    Flag {
        name: "batch-ms",
        value: Some("MS"),
        help: "how long a batch takes to complete, at most 86400000 [default: 1000]",
    },
    Flag {
        name: "journal-size",
        value: Some("N"),
        help: "requests kept for GET /_oaimock/requests, 0 for none [default: 1000]",
    },
    Flag {
        name: "redact-header",
        value: Some("NAME"),
        help: "also redact this header in the journal, never record it (repeatable)",
    },
    Flag {
        name: "no-admin",
        value: None,
        help: "turn off the /_oaimock/* admin paths",
    },
    Flag {
        name: "upstream",
        value: Some("URL"),
        help: "forward what no fixture rule answers to this OpenAI-compatible base",
    },
    Flag {
        name: "upstream-key",
        value: Some("KEY"),
        help: "send `Authorization: Bearer KEY` upstream, not the client's",
    },
    Flag {
        name: "upstream-ca",
        value: Some("FILE"),
        help: "PEM root certificates for HTTPS [default: Mozilla's]",
    },
    Flag {
        name: "upstream-connect-timeout-ms",
        value: Some("MS"),
        help: "504 when connecting upstream takes longer [default: 10000]",
    },
    Flag {
        name: "upstream-timeout-ms",
        value: Some("MS"),
        help: "504 when the upstream is silent this long [default: 60000]",
    },
    Flag {
        name: "record",
        value: Some("DIR"),
        help: "write each forwarded exchange as a fixture rule into DIR",
    },
    Flag {
        name: "record-timing",
        value: None,
        help: "recorded streams keep the pause before each event",
    },
    Flag {
        name: "strict",
        value: None,
        help: "an unmatched request is a 400 naming the closest rules",
    },
    Flag {
        name: "quiet",
        value: None,
        help: "no access log on stderr",
    },
    Flag {
        name: "help",
        value: None,
        help: "print this help and exit",
    },
    Flag {
        name: "version",
        value: None,
        help: "print the version and exit",
    },
];
