"""Screens of the conversation as Telegram messages: HTML text and a keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.ordering.conversation import cart_total
from bot.ordering.model import CartLine, Customer, Draft, Money, PlacedOrder, Step
from bot.ordering.screens import (
    AdminOrderFailed,
    AdminOrderPlaced,
    AdminScreen,
    Ask,
    Notice,
    OrderConfirmed,
    Screen,
    Summary,
)
from bot.telegram_ui import texts
from bot.telegram_ui.callback_data import Action, Button, encode
from bot.telegram_ui.texts import esc

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
QUANTITY_BUTTONS = (1, 2, 3, 5, 10)


@dataclass(frozen=True)
class Reply:
    text: str
    markup: Markup | None = None


def render_outgoing(screen: Screen | AdminScreen, currency: str) -> Reply:
    """A message of the outbox: the customer's screens, or the admins' notices."""
    if isinstance(screen, AdminOrderPlaced):
        return Reply(admin_notification(screen.draft, screen.order))
    if isinstance(screen, AdminOrderFailed):
        return Reply(admin_failure(screen, currency))
    return render(screen, currency)


def render(screen: Screen, currency: str) -> Reply:
    if isinstance(screen, Notice):
        return Reply(texts.NOTICES[screen.kind])
    if isinstance(screen, Ask):
        return _ask(screen, currency)
    if isinstance(screen, Summary):
        return _summary(screen, currency)
    return _order_confirmed(screen)


def _with_problem(text: str, problem_text: str | None) -> str:
    return f"{problem_text}\n\n{text}" if problem_text else text


def _ask(screen: Ask, currency: str) -> Reply:
    problem = texts.PROBLEMS[screen.problem] if screen.problem else None
    draft = screen.draft
    if screen.question is Step.NAME:
        return Reply(_with_problem(texts.ASK_NAME, problem))
    if screen.question is Step.PHONE:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(texts.SHARE_PHONE, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        return Reply(_with_problem(texts.ASK_PHONE, problem), keyboard)
    if screen.question is Step.EMAIL:
        return Reply(_with_problem(texts.ASK_EMAIL, problem), ReplyKeyboardRemove())
    if screen.question is Step.PRODUCT:
        if not screen.products:
            return Reply(_with_problem(texts.NO_PRODUCTS, problem))
        rows = [
            [
                InlineKeyboardButton(
                    f"{p.title} — {Money(p.price, currency)}" if p.price is not None else p.title,
                    callback_data=encode(Button(Action.PRODUCT, draft.draft_id, p.id)),
                )
            ]
            for p in screen.products
        ]
        return Reply(_with_problem(texts.ASK_PRODUCT, problem), InlineKeyboardMarkup(rows))
    pending = draft.pending
    title = esc(pending.title) if pending else ""
    price = str(Money(pending.price, currency)) if pending and pending.price is not None else "?"
    row = [
        InlineKeyboardButton(
            str(n), callback_data=encode(Button(Action.QUANTITY, draft.draft_id, n))
        )
        for n in QUANTITY_BUTTONS
    ]
    text = texts.ASK_QUANTITY.format(title=title, price=esc(price))
    return Reply(_with_problem(text, problem), InlineKeyboardMarkup([row]))


def cart_lines(lines: Sequence[CartLine], currency: str) -> list[str]:
    out = []
    for line in lines:
        amount = (
            str(Money(line.unit_price * line.quantity, currency))
            if line.unit_price is not None
            else "?"
        )
        out.append(
            texts.LINE.format(title=esc(line.title), quantity=line.quantity, amount=esc(amount))
        )
    return out


def _summary(screen: Summary, currency: str) -> Reply:
    draft = screen.draft
    parts = [texts.SUMMARY_TITLE, "", *cart_lines(draft.lines, currency)]
    total = cart_total(draft.lines)
    if total is not None:
        parts.append(texts.TOTAL.format(total=esc(Money(total, currency))))
    parts += ["", _contacts(draft)]
    if screen.problem:
        problem = texts.PROBLEMS[screen.problem]
        if screen.detail:
            problem += f"\n{esc(screen.detail)}"
        parts = [problem, "", *parts]
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.CONFIRM, callback_data=_data(Action.CONFIRM, draft))],
            [InlineKeyboardButton(texts.ADD_MORE, callback_data=_data(Action.MORE, draft))],
            [InlineKeyboardButton(texts.CANCEL, callback_data=_data(Action.CANCEL, draft))],
        ]
    )
    return Reply("\n".join(parts), keyboard)


def _data(action: Action, draft: Draft) -> str:
    return encode(Button(action, draft.draft_id))


def _contacts(draft: Draft) -> str:
    return texts.SUMMARY_CONTACTS.format(
        name=esc(draft.name or ""), phone=esc(draft.phone or ""), email=esc(draft.email or "")
    )


def _order_lines(order: PlacedOrder) -> list[str]:
    return [
        *cart_lines(order.lines, order.total.currency),
        texts.TOTAL.format(total=esc(order.total)),
    ]


def _order_confirmed(screen: OrderConfirmed) -> Reply:
    order = screen.order
    parts = [
        texts.ORDER_PLACED.format(order_id=order.order_id),
        "",
        *_order_lines(order),
        "",
        texts.ORDER_STATUS.format(status=esc(order.status_title or order.status_id)),
        texts.PAYMENT_STATUS.format(status=esc(texts.payment_status(order.payment_status))),
    ]
    markup = None
    if order.payment_url:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts.PAY_BUTTON, url=order.payment_url)]]
        )
    return Reply("\n".join(parts), markup)


def user_link(customer: Customer) -> str:
    link = f'<a href="tg://user?id={customer.user_id}">{esc(customer.first_name)}</a>'
    if customer.username:
        link += f" @{esc(customer.username)}"
    return link


def admin_notification(draft: Draft, order: PlacedOrder) -> str:
    return "\n".join(
        [
            texts.ADMIN_NEW_ORDER.format(order_id=order.order_id),
            "",
            *_order_lines(order),
            texts.ORDER_STATUS.format(status=esc(order.status_title or order.status_id)),
            texts.PAYMENT_STATUS.format(status=esc(texts.payment_status(order.payment_status))),
            "",
            _admin_customer(draft),
        ]
    )


def _admin_customer(draft: Draft) -> str:
    return texts.ADMIN_CUSTOMER.format(
        name=esc(draft.name or ""),
        phone=esc(draft.phone or ""),
        email=esc(draft.email or ""),
        link=user_link(draft.customer),
    )


def admin_failure(screen: AdminOrderFailed, currency: str) -> str:
    draft = screen.draft
    reason = texts.ADMIN_FAILURE_REASONS.get(screen.problem, screen.problem.value)
    parts = [texts.ADMIN_ORDER_FAILED, esc(reason)]
    if screen.detail:
        parts.append(esc(screen.detail))
    total = cart_total(draft.lines)
    parts += ["", *cart_lines(draft.lines, currency)]
    if total is not None:
        parts.append(texts.TOTAL.format(total=esc(Money(total, currency))))
    parts += ["", _admin_customer(draft)]
    return "\n".join(parts)
