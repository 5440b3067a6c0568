"""The questions of the shop's order form as messages, and their buttons' events.

A question shows its title (the form's, or the bot's own wording when it has none) with a
hint of what to send; a choice has a button per option, an optional question a Skip button,
a phone question the contact button. The summary lists every answer with an edit button each.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.ordering.conversation import OPTION_NUMBERS, current_question, question_number
from bot.ordering.events import EditAnswer, Event, OptionChosen, QuestionSkipped
from bot.ordering.model import Draft, FieldKind, Question
from bot.ordering.screens import Problem
from bot.telegram_ui import texts
from bot.telegram_ui.callback_data import Action, Button, encode
from bot.telegram_ui.texts import esc

Tr = Callable[..., str]  # a language's texts: tr(id, **values)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
EDITS_PER_ROW = 3
OPTIONS_SHOWN = OPTION_NUMBERS  # more options than this can still be typed
_CONTACT_ASKS = {
    FieldKind.NAME: texts.ASK_NAME,
    FieldKind.PHONE: texts.ASK_PHONE,
    FieldKind.EMAIL: texts.ASK_EMAIL,
}
_CONTACT_EDITS = {
    FieldKind.NAME: texts.EDIT_NAME,
    FieldKind.PHONE: texts.EDIT_PHONE,
    FieldKind.EMAIL: texts.EDIT_EMAIL,
}


def problem_text(problem: Problem, draft: Draft, tr: Tr) -> str | None:
    """The text of a problem with a form question's answer, with the question's limits."""
    template = texts.FORM_PROBLEMS.get(problem)
    if template is None:
        return None
    question = current_question(draft)
    return tr(
        template,
        min=question.min_length if question else "",
        max=question.max_length if question else "",
        length=question.exact_length if question else "",
    )


def question_message(
    draft: Draft, problem: str | None, back_hint: str, tr: Tr
) -> tuple[str, Markup]:
    """The current question: its text and its keyboard."""
    question = current_question(draft)
    assert question is not None, "asked only at a question's step"
    if not question.title and question.kind in _CONTACT_ASKS:
        text = tr(_CONTACT_ASKS[question.kind])
    else:
        hint = tr(texts.FORM_HINTS[question.kind.value])
        text = tr(texts.FORM_QUESTION, title=esc(question.title or question.marker), hint=hint)
    if not question.required:
        typed = question.kind is FieldKind.PHONE
        text += "\n" + tr(texts.FORM_OPTIONAL_TYPED if typed else texts.FORM_OPTIONAL)
    text += f"\n{back_hint}"
    if problem:
        text = f"{problem}\n\n{text}"
    return text, _keyboard(draft, question, tr)


def _keyboard(draft: Draft, question: Question, tr: Tr) -> Markup:
    if question.kind is FieldKind.PHONE:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(tr(texts.SHARE_PHONE), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    number = question_number(draft, question)
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind is FieldKind.CHOICE:
        rows = [
            [
                InlineKeyboardButton(
                    option.title or option.value, callback_data=_option(draft, number, i)
                )
            ]
            for i, option in enumerate(question.options[:OPTIONS_SHOWN])
        ]
    if not question.required:
        skip = encode(Button(Action.SKIP, draft.draft_id, number))
        rows.append([InlineKeyboardButton(tr(texts.SKIP), callback_data=skip)])
    return InlineKeyboardMarkup(rows) if rows else ReplyKeyboardRemove()


def _option(draft: Draft, question: int, option: int) -> str:
    return encode(Button(Action.OPTION, draft.draft_id, question * OPTION_NUMBERS + option))


def label(question: Question, tr: Tr) -> str:
    if question.title:
        return question.title
    return tr(texts.FORM_LABELS.get(question.kind.value, question.marker))


def answer_lines(draft: Draft, tr: Tr, *, contacts: bool = True) -> str:
    """Every question's answer, one a line (a choice by its option's title).

    Without `contacts` the name, phone and e-mail are left out (shown elsewhere) and so are
    skipped questions.
    """
    lines = []
    for question in draft.form:
        value = draft.answer(question) or ""
        if not contacts and (draft.is_contact(question) or not value):
            continue
        option = question.option(value) if question.kind is FieldKind.CHOICE else None
        shown = esc(option.title if option else value) if value else tr(texts.SKIPPED)
        lines.append(tr(texts.SUMMARY_ANSWER, title=esc(label(question, tr)), value=shown))
    return "\n".join(lines)


def edit_rows(draft: Draft, tr: Tr) -> list[list[InlineKeyboardButton]]:
    """An edit button for every question, a few a row."""
    buttons = []
    for number, question in enumerate(draft.form, 1):
        if not question.title and question.kind in _CONTACT_EDITS:
            text = tr(_CONTACT_EDITS[question.kind])
        else:
            text = tr(texts.EDIT_ANSWER, title=question.title or question.marker)
        data = encode(Button(Action.EDIT, draft.draft_id, number))
        buttons.append(InlineKeyboardButton(text, callback_data=data))
    return [buttons[i : i + EDITS_PER_ROW] for i in range(0, len(buttons), EDITS_PER_ROW)]


def button_event(button: Button) -> Event | None:
    """The event of an edit, skip or option button; None for other buttons."""
    number = button.number or 0
    if button.action is Action.EDIT:
        return EditAnswer(button.draft_id, number)
    if button.action is Action.SKIP:
        return QuestionSkipped(button.draft_id, number)
    if button.action is Action.OPTION:
        return OptionChosen(button.draft_id, number // OPTION_NUMBERS, number % OPTION_NUMBERS)
    return None
