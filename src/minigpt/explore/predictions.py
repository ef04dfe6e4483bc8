"""Predictions scored: a chapter's predict-first question as a choice, kept, and scored in chapter 10.

A chapter displays :func:`predict`: a question about one claim of the verdict table, with choices that each name
the claim verdicts under which they are right ("It holds on every row" -> ``"holds"``). Chapter 10 displays
:func:`scorecard` with this build's claim verdicts; each kept answer is right when the build's verdict is one its
choice names, wrong when another choice names it, and not scored when no choice does (an "inconclusive" that the
question did not offer, a claim "not measured").

Where the answers are kept:

- in a kernel (Jupyter, Voila) the question is an ipywidgets RadioButtons; an answer is written at once to a small
  JSON file (:class:`PredictionStore`: ``$MINIGPT_PREDICTIONS``, else ``~/.minigpt/predictions.json``), atomically;
  the scorecard reads that file (its Refresh button reads it again);
- in the static book the question is native radio inputs and a few lines of inline JavaScript that keep the answer
  in the browser's ``localStorage`` (key :data:`STORAGE_KEY`); the scorecard page carries the build's verdicts and
  its script scores whatever answers this browser kept, on any page. Nothing leaves the browser; no CDN.

Both keep the same record per question id: ``{"id", "question", "claim", "choices": {label: [verdicts]},
"choice"}``, so a scorecard needs no list of the book's questions. This module knows the claim verdicts' names
(:data:`OUTCOMES`) but not the verdict table, which sits above it (tests check the names agree).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..checkpoint import atomic_write
from .live import mimebundle

# The claim verdicts a choice may name (minigpt.verdicts.CLAIM_VERDICTS less "not measured", which no reader
# predicts), and the one a build may also give.
OUTCOMES = ("holds", "mixed", "holds with a condition", "fails", "inconclusive")
NOT_MEASURED = "not measured"
# Choices for a question that asks what the verdict will be.
VERDICT_CHOICES: dict[str, tuple[str, ...]] = {
    "Yes: it holds on every row": ("holds",),
    "Partly: it holds on some rows, not on others": ("mixed", "holds with a condition"),
    "No: no gain beyond the margin, or the opposite": ("fails",),
    "Can't tell: inconclusive at this scale": ("inconclusive",),
}
PATH_ENV = "MINIGPT_PREDICTIONS"
STORAGE_KEY = "minigpt-book-predictions"  # localStorage key in the static book
SCORES = ("right", "wrong", "not scored")
NOT_SCORED_TEXT = " (no choice of the question named this build's verdict)"  # after "N not scored"
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def default_path() -> Path:
    """Where a kernel keeps answers: ``$MINIGPT_PREDICTIONS``, else ``~/.minigpt/predictions.json``."""
    return Path(os.environ.get(PATH_ENV) or Path.home() / ".minigpt" / "predictions.json")


class PredictionStore:
    """The answers of one reader in a JSON file: ``{"version": 1, "answers": {id: record}}``.

    Every :meth:`save` reads the file, updates one record and writes the whole file atomically (a temporary file,
    then ``os.replace``), so a crash never leaves a torn file. A missing file is no answers yet."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()

    def load(self) -> dict[str, dict]:
        """Every kept record by question id (empty when the file does not exist)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise ValueError(f"predictions file {self.path.name}: not readable JSON ({e})") from None
        answers = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(answers, dict):
            raise ValueError(f"predictions file {self.path.name}: no 'answers' object")
        return answers

    def save(self, record: Mapping) -> None:
        """Keep ``record`` (replacing the one with its id)."""
        answers = self.load()
        answers[record["id"]] = dict(record)
        text = json.dumps({"version": 1, "answers": answers}, indent=1, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, lambda f: f.write(text.encode("utf-8")))

    def clear(self) -> None:
        """Forget every answer."""
        self.path.unlink(missing_ok=True)


def check_choices(choices: Mapping) -> dict[str, list[str]]:
    """``choices`` (label -> a verdict or a tuple of verdicts of :data:`OUTCOMES`) as label -> list; a wrong one is
    a ValueError naming ``choices``."""
    if not isinstance(choices, Mapping) or len(choices) < 2:
        raise ValueError(f"choices: must map at least two labels to verdicts, got {choices!r}")
    out = {}
    for label, verdicts in choices.items():
        names = [verdicts] if isinstance(verdicts, str) else list(verdicts)
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"choices: every label must be a non-empty string, got {label!r}")
        wrong = [v for v in names if v not in OUTCOMES]
        if not names or wrong:
            raise ValueError(f"choices[{label!r}]: must name one or more of {list(OUTCOMES)}, got {verdicts!r}")
        out[label] = names
    return out


class Prediction:
    """One predict-first question on ``claim``: a RadioButtons in a kernel, radio inputs in the static book.

    ``question_id`` names it in the store (lowercase letters, digits, "-"; unique in the book). ``choices``: label
    -> the claim verdict(s) under which that answer is right (default :data:`VERDICT_CHOICES`)."""

    def __init__(self, question_id: str, question: str, claim: str, choices: Mapping | None = None,
                 store: PredictionStore | None = None):
        if not isinstance(question_id, str) or not _ID.fullmatch(question_id):
            raise ValueError(f"question_id: must be 1-64 lowercase letters, digits or '-', got {question_id!r}")
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"question: must be a non-empty string, got {question!r}")
        if not isinstance(claim, str) or not claim:
            raise ValueError(f"claim: must be a key of the verdict table's claims, got {claim!r}")
        self.id, self.question, self.claim = question_id, question, claim
        self.choices = check_choices(VERDICT_CHOICES if choices is None else choices)
        self.store = store if store is not None else PredictionStore()
        self._widget = None

    def record(self, choice: str | None = None) -> dict:
        """What is kept for this question, with ``choice`` as the answer."""
        return {"id": self.id, "question": self.question, "claim": self.claim, "choices": self.choices,
                "choice": choice}

    def answer(self, choice: str) -> None:
        """Keep ``choice`` (one of the labels) as the reader's answer, as a click on it does."""
        if choice not in self.choices:
            raise ValueError(f"choice: must be one of {list(self.choices)}, got {choice!r}")
        self.store.save(self.record(choice))

    @property
    def answered(self) -> str | None:
        """The kept answer, or None."""
        kept = self.store.load().get(self.id)
        return kept["choice"] if kept and kept.get("choice") in self.choices else None

    @property
    def widget(self):
        """The live view: the question, RadioButtons (the kept answer selected), and a status line."""
        if self._widget is None:
            import ipywidgets as widgets

            kept = self.answered
            buttons = widgets.RadioButtons(options=list(self.choices), value=kept,
                                           layout=widgets.Layout(width="max-content"))
            status = widgets.HTML(_status(kept is not None, "in a file in your home folder"))

            def chosen(change):
                self.answer(change["new"])
                status.value = _status(True, "in a file in your home folder")

            buttons.observe(chosen, names="value")
            self._widget = widgets.VBox([widgets.HTML(f"<b>Predict:</b> {html.escape(self.question)}"), buttons,
                                         status], layout=widgets.Layout(margin="0.5em 0"))
        return self._widget

    def to_html(self) -> str:
        """The static view: a fieldset of radio inputs whose script keeps the answer in localStorage."""
        view_id = f"minigpt-predict-{self.id}"
        inputs = "".join(
            f'<label style="display:block;margin:0.15em 0"><input type="radio" name="{view_id}" '
            f'value="{html.escape(label)}"> {html.escape(label)}</label>' for label in self.choices)
        record = html.escape(json.dumps(self.record()))
        return (
            f'<div class="minigpt-predict" id="{view_id}" data-record="{record}" style="border:1px solid #ddd;'
            f'border-radius:6px;padding:0.5em 0.8em;margin:0.5em 0">\n'
            f'<fieldset style="border:0;margin:0;padding:0"><legend style="font-size:1em;font-weight:normal">'
            f'<b>Predict:</b> {html.escape(self.question)}</legend>{inputs}</fieldset>\n'
            f'<div class="minigpt-predict-status" data-kept="{html.escape(_status(True, "in this browser"))}" '
            f'style="font-size:0.85em;color:#555">{_status(False, "in this browser")}</div>\n'
            f'{_script(PREDICT_JS, view_id)}\n'
            f'</div>')

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return mimebundle(self, f"Predict ({self.claim}): {self.question} {list(self.choices)}")


def predict(question_id: str, question: str, claim: str, choices: Mapping | None = None,
            store: PredictionStore | None = None) -> Prediction:
    """A predict-first question on ``claim``, to display (see :class:`Prediction`)."""
    return Prediction(question_id, question, claim, choices, store)


def _script(template: str, view_id: str) -> str:
    """An inline <script> of ``template`` for the element ``view_id``, with this module's constants filled in."""
    subs = {"__ID__": view_id, "__KEY__": STORAGE_KEY, "__NOT_SCORED__": json.dumps(NOT_SCORED_TEXT)}
    return "<script>" + re.sub("|".join(subs), lambda m: subs[m.group(0)], template) + "</script>"


def _status(kept: bool, where: str) -> str:
    if kept:
        return f"Your answer is kept {where}; chapter 10 scores it against this build's verdict."
    return f"Not answered yet. Your answer is kept {where}; chapter 10 scores it against this build's verdict."


# The static question: restore the kept answer, keep each new one. Scripts see localStorage fail where it is off.
PREDICT_JS = """(function () {
  var root = document.getElementById("__ID__");
  if (!root) { return; }
  var record = JSON.parse(root.getAttribute("data-record"));
  var status = root.querySelector(".minigpt-predict-status");
  var store = null;
  try { store = window.localStorage; store.getItem("__KEY__"); } catch (e) { store = null; }
  function load() {
    try { return JSON.parse(store.getItem("__KEY__")) || {answers: {}}; } catch (e) { return {answers: {}}; }
  }
  if (!store) { status.textContent = "This browser keeps no answers (its local storage is off)."; return; }
  var kept = (load().answers || {})[record.id];
  root.querySelectorAll('input[type="radio"]').forEach(function (input) {
    if (kept && kept.choice === input.value) { input.checked = true; }
    input.addEventListener("change", function () {
      var data = load();
      data.version = 1;
      data.answers = data.answers || {};
      record.choice = input.value;
      data.answers[record.id] = record;
      store.setItem("__KEY__", JSON.stringify(data));
      status.textContent = status.getAttribute("data-kept");
    });
  });
  if (kept) { status.textContent = status.getAttribute("data-kept"); }
})();"""


# --- the scorecard -------------------------------------------------------------------------------------------


def check_verdicts(verdicts: Mapping) -> dict[str, tuple[str, str]]:
    """``{claim: (verdict, condition)}`` (as ``minigpt.verdicts.claim_verdicts`` gives) or ``{claim: verdict}``,
    as the former; a verdict outside :data:`OUTCOMES` and "not measured" is a ValueError naming ``verdicts``."""
    if not isinstance(verdicts, Mapping):
        raise ValueError(f"verdicts: must map claims to verdicts, got {type(verdicts).__name__}")
    out = {}
    for claim, value in verdicts.items():
        verdict, condition = (value, "") if isinstance(value, str) else tuple(value)
        if verdict not in (*OUTCOMES, NOT_MEASURED):
            raise ValueError(f"verdicts[{claim!r}]: must be one of {[*OUTCOMES, NOT_MEASURED]}, got {verdict!r}")
        out[claim] = (verdict, condition)
    return out


def score(record: Mapping, verdicts: Mapping[str, tuple[str, str]]) -> str:
    """"right" when the build's verdict on the record's claim is one its choice names, "wrong" when only another
    choice names it, "not scored" when no choice does (or the claim has no verdict in this build)."""
    verdict = verdicts.get(record["claim"], (None, ""))[0]
    choices = record["choices"]
    if verdict in choices.get(record["choice"], ()):
        return "right"
    return "wrong" if any(verdict in names for names in choices.values()) else "not scored"


class Scorecard:
    """The reader's kept predictions against this build's ``verdicts`` (see :func:`check_verdicts`)."""

    def __init__(self, verdicts: Mapping, store: PredictionStore | None = None):
        self.verdicts = check_verdicts(verdicts)
        self.store = store if store is not None else PredictionStore()
        self._widget = None

    def rows(self, answers: Mapping[str, Mapping] | None = None) -> list[dict]:
        """One dict per answered question (``answers``: default, the store's), in claim order: ``id``,
        ``question``, ``claim``, ``choice``, ``verdict`` (with its condition), ``score``."""
        answers = self.store.load() if answers is None else answers
        order = list(self.verdicts)
        rows = []
        for qid, r in answers.items():
            if not isinstance(r, Mapping) or r.get("choice") not in r.get("choices", {}):
                continue  # a question asked but not answered, or an answer no longer offered
            verdict, condition = self.verdicts.get(r["claim"], ("no verdict in this build", ""))
            rows.append({"id": qid, "question": r["question"], "claim": r["claim"], "choice": r["choice"],
                         "verdict": f"{verdict}: {condition}" if condition else verdict,
                         "score": score(r, self.verdicts)})
        return sorted(rows, key=lambda r: (order.index(r["claim"]) if r["claim"] in order else len(order), r["id"]))

    def counts(self, answers: Mapping[str, Mapping] | None = None) -> dict[str, int]:
        """``answered``, ``right``, ``wrong`` and ``not scored`` counts."""
        rows = self.rows(answers)
        return {"answered": len(rows), **{s: sum(r["score"] == s for r in rows) for s in SCORES}}

    def summary(self, answers: Mapping[str, Mapping] | None = None) -> str:
        c = self.counts(answers)
        if not c["answered"]:
            return "No predictions kept yet: answer the Predict questions of chapters 3 to 9, then come back."
        why = NOT_SCORED_TEXT if c["not scored"] else ""
        return (f"{c['answered']} prediction{'s' * (c['answered'] > 1)}: {c['right']} right, {c['wrong']} wrong, "
                f"{c['not scored']} not scored{why}.")

    def table_html(self, answers: Mapping[str, Mapping] | None = None) -> str:
        """The summary and the table, as HTML (the kernel's view; the static page's script writes the same)."""
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in ("question", "claim", "choice",
                                                                            "verdict", "score")) + "</tr>"
            for r in self.rows(answers))
        return (f'<p class="minigpt-score-summary">{html.escape(self.summary(answers))}</p>'
                f'<table class="minigpt-scores" style="{"" if rows else "display:none"}"><thead>{HEADER}</thead>'
                f'<tbody>{rows}</tbody></table>')

    @property
    def widget(self):
        """The live view: the table from the store's file and a Refresh button that reads it again."""
        if self._widget is None:
            import ipywidgets as widgets

            view = widgets.HTML(self.table_html())
            refresh = widgets.Button(description="Refresh", tooltip="read the kept answers again")
            refresh.on_click(lambda _: setattr(view, "value", self.table_html()))
            self._widget = widgets.VBox([view, refresh])
        return self._widget

    def to_html(self) -> str:
        """The static view: this build's verdicts in the page, and a script that scores the answers this browser
        kept (on any page of the book) against them. No answer is in the page itself."""
        view_id = "minigpt-scorecard"
        verdicts = html.escape(json.dumps([[c, v, cond] for c, (v, cond) in self.verdicts.items()]))
        return (
            f'<div class="minigpt-scorecard" id="{view_id}" data-verdicts="{verdicts}">\n'
            f'<p class="minigpt-score-summary">{html.escape(self.summary({}))}</p>\n'
            f'<table class="minigpt-scores" style="display:none"><thead>{HEADER}</thead><tbody></tbody></table>\n'
            f'<button type="button" class="minigpt-forget" style="font-size:0.85em">Forget my answers</button>\n'
            f'{_script(SCORECARD_JS, view_id)}\n'
            f'</div>')

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return mimebundle(self, "Scorecard: " + self.summary())


HEADER = "<tr><th>Question</th><th>Claim</th><th>Your answer</th><th>This build's verdict</th><th>Score</th></tr>"

# The static scorecard: the same rule as score(), over the answers in localStorage; refills when another tab
# answers a question.
SCORECARD_JS = """(function () {
  var root = document.getElementById("__ID__");
  if (!root) { return; }
  var order = JSON.parse(root.getAttribute("data-verdicts"));
  var verdicts = {};
  order.forEach(function (v) { verdicts[v[0]] = v; });
  var summary = root.querySelector(".minigpt-score-summary");
  var empty = summary.textContent;  // the page's text for no answers
  var NOT_SCORED = __NOT_SCORED__;
  var table = root.querySelector("table.minigpt-scores");
  var body = table.querySelector("tbody");
  var store = null;
  try { store = window.localStorage; store.getItem("__KEY__"); } catch (e) { store = null; }
  function score(r) {
    var v = verdicts[r.claim] ? verdicts[r.claim][1] : null;
    if ((r.choices[r.choice] || []).indexOf(v) >= 0) { return "right"; }
    var named = Object.keys(r.choices).some(function (k) { return r.choices[k].indexOf(v) >= 0; });
    return named ? "wrong" : "not scored";
  }
  function rank(r) {
    var i = order.findIndex(function (v) { return v[0] === r.claim; });
    return i < 0 ? order.length : i;
  }
  function fill() {
    if (!store) { summary.textContent = "This browser keeps no answers (its local storage is off)."; return; }
    var answers = {};
    try { answers = (JSON.parse(store.getItem("__KEY__")) || {}).answers || {}; } catch (e) { answers = {}; }
    var rows = Object.keys(answers).map(function (k) { return answers[k]; })
      .filter(function (r) { return r && r.choices && r.choices.hasOwnProperty(r.choice); });
    rows.sort(function (a, b) { return rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); });
    var n = {right: 0, wrong: 0, "not scored": 0};
    body.textContent = "";
    rows.forEach(function (r) {
      var s = score(r);
      var v = verdicts[r.claim];
      n[s] += 1;
      var tr = document.createElement("tr");
      tr.setAttribute("data-score", s);
      [r.question, r.claim, r.choice, v ? (v[2] ? v[1] + ": " + v[2] : v[1]) : "no verdict in this build", s]
        .forEach(function (text) {
          var td = document.createElement("td");
          td.textContent = text;
          tr.appendChild(td);
        });
      body.appendChild(tr);
    });
    table.style.display = rows.length ? "" : "none";
    summary.textContent = rows.length ? rows.length + " prediction" + (rows.length > 1 ? "s" : "") + ": " +
      n.right + " right, " + n.wrong + " wrong, " + n["not scored"] + " not scored" +
      (n["not scored"] ? NOT_SCORED : "") + "." : empty;
  }
  root.querySelector("button.minigpt-forget").addEventListener("click", function () {
    if (store) { store.removeItem("__KEY__"); }
    fill();
  });
  window.addEventListener("storage", fill);
  fill();
})();"""


def scorecard(verdicts: Mapping, store: PredictionStore | None = None) -> Scorecard:
    """The scorecard of chapter 10, to display (see :class:`Scorecard`)."""
    return Scorecard(verdicts, store)
