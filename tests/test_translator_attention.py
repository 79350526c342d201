"""The translator with attention: training by attention's own gradients, decoding with its weights, the page.

Training runs here are small (a handful of pairs, a few units) except the page's two, which
train once for the whole file.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from rnn_math.apps.translator import (
    ATTENTION,
    ATTENTION_CONFIG,
    ENCODER_DECODER,
    END,
    HELD_OUT_FILE,
    MODELS,
    TrainingConfig,
    Translator,
    UnknownWordError,
    build_vocabularies,
    evaluate,
    length_groups,
    load_pairs,
    model_of,
    parse_pairs,
    train_translator,
    word_matches,
)
from rnn_math.apps.translator import models as models_module
from rnn_math.attention import AttentionParams, forward

PAIRS = parse_pairs(
    "I go\tमैं जाता हूँ\nyou go\tतुम जाते हो\nwe eat now\tहम अभी खाते हैं\nI eat bread at home\tमैं घर पर रोटी खाता हूँ\n"
)
SMALL = TrainingConfig(model="attention", D_h=6, d_en=4, d_hi=4, n_a=3, epochs=60)


@pytest.fixture(scope="module")
def small():
    return train_translator(PAIRS, SMALL)


class NegatedGradients(models_module.Attention):
    """A plausible mistake: the gradients' sign flipped (a step up the loss instead of down)."""

    def gradients(self, params, source, targets):
        loss, grads = super().gradients(params, source, targets)
        return loss, {name: -g for name, g in grads.items()}


# Training.


def test_the_attention_model_trains_its_loss_falls_tenfold(small):
    assert isinstance(small.translator.params, AttentionParams)
    assert small.losses[-1] < 0.1 * small.losses[0]


def test_a_step_up_the_gradient_makes_the_loss_rise_instead(monkeypatch):
    # The negative control of the test above: the same loop with the gradients' sign flipped.
    monkeypatch.setitem(MODELS, "attention", NegatedGradients())
    losses = train_translator(PAIRS, SMALL).losses
    assert losses[-1] > losses[0]


def test_the_first_loss_is_attentions_loss_at_the_initial_parameters(small):
    english, hindi = build_vocabularies(PAIRS)
    sizes = models_module.Sizes(6, 4, 4, 3, 0, 0.3)
    start = ATTENTION.initial(len(english), len(hindi), sizes)
    translator = Translator(start, english, hindi)
    first = 0.0
    for pair in PAIRS:
        source, targets = translator.source_indices(pair.english_text), translator.target_indices(pair.hindi)
        first += forward(start, source, targets).loss
    assert small.losses[0] == pytest.approx(first, rel=1e-12)


def test_training_with_attention_is_deterministic(small):
    np.testing.assert_array_equal(train_translator(PAIRS, SMALL).losses, small.losses)


def test_the_model_is_chosen_by_the_config_and_read_back_from_the_parameters(small):
    plain = train_translator(PAIRS, dataclasses.replace(SMALL, model="encoder-decoder", epochs=1))
    assert model_of(plain.translator.params) is ENCODER_DECODER and plain.translator.model is ENCODER_DECODER
    assert model_of(small.translator.params) is ATTENTION


def test_an_unknown_model_name_is_refused():
    with pytest.raises(ValueError, match="model: expected one of 'encoder-decoder', 'attention', got 'transformer'"):
        TrainingConfig(model="transformer")


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (True, TypeError), (2.0, TypeError)])
def test_a_bad_attention_width_is_refused(value, error):
    with pytest.raises(error, match="n_a: expected a positive integer"):
        TrainingConfig(n_a=value)


def test_parameters_of_neither_model_are_refused():
    english, hindi = build_vocabularies(PAIRS)
    with pytest.raises(TypeError, match="params: expected Seq2SeqParams or AttentionParams, got dict"):
        Translator({"W_h": np.zeros((2, 2))}, english, hindi)


def test_the_two_models_have_about_equal_parameter_counts_on_the_packaged_phrases():
    english, hindi = build_vocabularies(load_pairs())
    counts = {}
    for config in (TrainingConfig(), ATTENTION_CONFIG):
        sizes = models_module.Sizes(config.D_h, config.d_en, config.d_hi, config.n_a, config.seed, config.init_scale)
        params = config.translator_model.initial(len(english), len(hindi), sizes)
        counts[config.model] = sum(v.size for v in params.as_dict().values())
    assert abs(counts["attention"] - counts["encoder-decoder"]) <= 0.01 * counts["encoder-decoder"]
    # The control: the attention model at the encoder-decoder's hidden size would have many more.
    wide = ATTENTION.initial(len(english), len(hindi), models_module.Sizes(24, 12, 12, 6, 0, 0.3))
    assert sum(v.size for v in wide.as_dict().values()) > 1.1 * counts["encoder-decoder"]


# Decoding with attention.


def test_each_emitted_word_has_weights_over_the_english_words_that_sum_to_one(small):
    attended = small.translator.attend("I eat bread at home")
    assert attended.english == ("i", "eat", "bread", "at", "home")
    assert attended.weights.shape == (len(attended.hindi), 5)
    assert np.all(attended.weights >= 0)
    np.testing.assert_allclose(attended.weights.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_the_decoded_weights_are_those_of_the_forward_pass_fed_the_decoded_words(small):
    # Greedy decoding is the forward pass with its own outputs as the targets: the same weights,
    # and each emitted word the most probable one. A decoder scoring against s_t instead of
    # s_{t-1}, or reading the wrong word back in, would give other weights.
    t = small.translator
    source = t.source_indices("I eat bread at home")
    attended = t.attend("I eat bread at home")
    tokens = np.array([t.hindi.index(w) for w in attended.hindi])
    fp = forward(t.params, source, tokens)
    np.testing.assert_allclose(attended.weights, fp.alpha, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(np.argmax(fp.p, axis=-1), tokens)
    shifted = forward(t.params, source, np.roll(tokens, 1))  # the control: other words read back in
    assert not np.allclose(shifted.alpha[1:], attended.weights[1:], rtol=1e-6)


def test_the_attention_translator_learns_its_training_pairs(small):
    translate = small.translator.translate
    wrong = [(p.english_text, got) for p in PAIRS if (got := translate(p.english_text)) != p.hindi_text]
    assert wrong == []
    assert small.translator.attend("I go").hindi[-1] == END


def test_an_unknown_word_is_refused_by_the_attention_translator_as_by_the_plain_one(small):
    plain = train_translator(PAIRS, dataclasses.replace(SMALL, model="encoder-decoder", epochs=1)).translator
    messages = []
    for translator in (plain, small.translator):
        with pytest.raises(UnknownWordError, match=r"unknown 'goes2'") as error:
            translator.translate("I goes2")
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    with pytest.raises(UnknownWordError, match=r"unknown 'goes2'"):
        small.translator.attend("I goes2")


def test_a_translator_without_attention_has_no_weights_to_show():
    plain = train_translator(PAIRS, dataclasses.replace(SMALL, model="encoder-decoder", epochs=1)).translator
    with pytest.raises(TypeError, match="translator: expected a translator with attention, got the encoder-decoder"):
        plain.attend("I go")


def test_a_bad_maximum_length_is_refused_when_attending(small):
    with pytest.raises(ValueError, match="max_length: expected a positive integer, got True"):
        small.translator.attend("I go", max_length=True)


# Scores.


def test_word_matches_count_positions_out_of_the_longer_sentence():
    assert word_matches(["a", "b", "c"], ["a", "x", "c"]) == (2, 3)
    assert word_matches(["a"], ["a", "b"]) == (1, 2)
    assert word_matches(["a", "b", "…"], ["a", "b"]) == (2, 3)  # an extra word costs one too


def test_length_groups_cover_every_length_and_fold_a_lone_last_length_in():
    pairs = parse_pairs("a b\tx\nc d e f g\ty\nh i j\tz\n")
    assert length_groups(pairs) == [(2, 3), (4, 5)]
    assert length_groups(parse_pairs("a b\tx\nc d e\ty\nf g h i j k\tz\n")) == [(2, 3), (4, 6)]
    with pytest.raises(ValueError, match="width: expected a positive integer, got 0"):
        length_groups(pairs, 0)


def test_an_evaluation_adds_sentences_and_words_across_pairs(small):
    scored = evaluate(small.translator, PAIRS)
    total = scored.total
    assert total.sentences == len(PAIRS)
    assert total.exact == sum(r.exact for r in scored.rows)
    assert total.words == sum(max(len(r.got), len(r.pair.hindi)) for r in scored.rows)
    assert [s.sentences for s in scored.by_length([(2, 2), (3, 5)])] == [2, 2]


# The page: its numbers are those of the code.


@pytest.fixture(scope="module")
def page():
    from rnn_math_docs import translator

    return translator


def test_the_comparison_table_shows_the_evaluations_numbers(page, monkeypatch):
    # The page's table, fed two small trained translators, shows exactly their scores.
    small_runs = {
        "encoder-decoder": train_translator(PAIRS, dataclasses.replace(SMALL, model="encoder-decoder")),
        "attention": train_translator(PAIRS, SMALL),
    }
    monkeypatch.setattr(page, "results", lambda: small_runs)
    scored = {n: evaluate(r.translator, PAIRS) for n, r in small_runs.items()}
    monkeypatch.setattr(page, "evaluations", lambda held_out=True: scored)
    table = page.comparison()
    for name in small_runs:
        total = scored[name].total
        row = next(line for line in table.splitlines() if line.startswith(f"| {page.NAMES[name]} |"))
        assert f"| {total.exact} of {total.sentences} |" in row
        assert f"| {total.words_right} of {total.words} |" in row
        assert f"| {page.percent(total.word_fraction)} |" in row


def test_the_built_page_shows_both_translators_scores_and_heat_maps(built_site, page):
    html = (built_site / "translator" / "index.html").read_text(encoding="utf-8")
    held_out = load_pairs(HELD_OUT_FILE)
    for name, result in page.results().items():
        total = evaluate(result.translator, held_out).total
        row = re.search(rf"<td[^>]*>{re.escape(page.NAMES[name])}</td>(.*?)</tr>", html, re.S)
        assert row is not None, name
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
        assert cells[1:5] == [
            f"{total.exact} of {total.sentences}",
            page.percent(total.exact_fraction),
            f"{total.words_right} of {total.words}",
            page.percent(total.word_fraction),
        ]
    assert html.count('class="rm-heatmap"') == len(page.MAPPED)
    assert '<th scope="row" lang="hi">' in html  # Hindi labels are text, set in the site's fonts
