"""Moderations through the SDK: every input shape, flags from markers and from fixture rules,
and near-zero scores for ordinary text. Bodies are validated against CreateModerationResponse."""

import openai

from conftest import raises

CATEGORIES = [
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
    "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence",
    "violence/graphic",
]


def flagged(result):
    raw = result.model_dump(by_alias=True)
    return [c for c in CATEGORIES if raw["categories"][c]]


def test_ordinary_text_is_not_flagged_and_scores_near_zero(client):
    result = client.moderations.create(input="What a lovely garden.")
    assert result.model == "omni-moderation-2024-09-26"
    [item] = result.results
    assert item.flagged is False
    raw = item.model_dump(by_alias=True)
    assert set(raw["category_scores"]) == set(CATEGORIES)
    assert all(0 < score < 0.001 for score in raw["category_scores"].values())
    assert all(types == ["text"] for types in raw["category_applied_input_types"].values())


def test_markers_flag_chosen_categories_in_each_input(client):
    result = client.moderations.create(
        model="text-moderation-latest", input=["calm words", "angry words [flag:harassment/threatening]"]
    )
    assert result.model == "text-moderation-007"
    first, second = result.results
    assert (first.flagged, second.flagged) == (False, True)
    assert flagged(second) == ["harassment", "harassment/threatening"]
    assert second.category_scores.harassment >= 0.9


def test_a_multimodal_input_gets_image_types(client):
    result = client.moderations.create(
        input=[
            {"type": "text", "text": "[flag:violence]"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ]
    )
    [item] = result.results
    assert flagged(item) == ["violence"]
    applied = item.model_dump(by_alias=True)["category_applied_input_types"]
    assert applied["violence"] == ["text", "image"] and applied["hate"] == ["text"]


def test_fixture_rules_flag_what_their_reply_lists(server_with_rules, client_for):
    srv = server_with_rules([{"match": {"endpoint": "moderations", "user": {"contains": "spam"}}, "reply": {"text": "illicit"}}])
    result = client_for(srv).moderations.create(input=["buy spam now", "hello"])
    assert [flagged(r) for r in result.results] == [["illicit"], []]


def test_errors_name_the_parameter(client):
    error = raises(openai.BadRequestError, lambda: client.moderations.create(input="[flag:gore]"))
    assert error.param == "input"
    error = raises(
        openai.BadRequestError,
        lambda: client.moderations.create(
            model="text-moderation-latest", input=[{"type": "image_url", "image_url": {"url": "https://x/a.png"}}]
        ),
    )
    assert error.param == "input[0].type"
