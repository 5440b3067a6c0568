"""Screens of the conversation as Telegram messages: HTML text and a keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.ordering.conversation import (
    ANSWER_STEPS,
    answers_missing,
    cart_total,
    current_question,
    page_count,
    page_of,
)
from bot.ordering.model import CartLine, Customer, Draft, Money, PlacedOrder, Step
from bot.ordering.screens import (
    AdminOrderFailed,
    AdminOrderPlaced,
    AdminScreen,
    Ask,
    Notice,
    OrderConfirmed,
    OrderHistory,
    Screen,
    Summary,
)
from bot.telegram_ui import form_render, texts
from bot.telegram_ui.callback_data import Action, Button, encode
from bot.telegram_ui.texts import esc

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
QUANTITY_BUTTONS = (1, 2, 3, 5, 10)
# The answers the summary can change, by the number their edit button carries.
EDITABLE = {1: Step.NAME, 2: Step.PHONE, 3: Step.EMAIL}


@dataclass(frozen=True)
class Reply:
    text: str
    markup: Markup | None = None
    photo: str | None = None  # a picture's URL: the text is its caption


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
    if isinstance(screen, OrderHistory):
        return _history(screen)
    return _order_confirmed(screen)


def _with_problem(text: str, problem_text: str | None) -> str:
    return f"{problem_text}\n\n{text}" if problem_text else text


def _ask(screen: Ask, currency: str) -> Reply:
    draft = screen.draft
    problem = None
    if screen.problem:
        problem = form_render.problem_text(screen.problem, draft, _plain)
        problem = problem or texts.PROBLEMS[screen.problem]
    if screen.question in ANSWER_STEPS:
        return _question(screen, problem)
    if screen.question is Step.PRODUCT:
        return _catalogue(screen, problem, currency)
    if screen.question is Step.CART:
        return _cart(draft, problem, currency)
    if screen.question is Step.REUSE:
        return _reuse(screen, problem)
    return _product_card(draft, problem, currency)


def _question(screen: Ask, problem: str | None) -> Reply:
    hint = texts.HINT_BACK if answers_missing(screen.draft) else texts.HINT_BACK_TO_SUMMARY
    if current_question(screen.draft) is not None:
        return Reply(*form_render.question_message(screen.draft, problem, hint, _plain))
    if screen.question is Step.NAME:
        return Reply(_with_problem(f"{texts.ASK_NAME}\n{hint}", problem), ReplyKeyboardRemove())
    if screen.question is Step.PHONE:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(texts.SHARE_PHONE, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        return Reply(_with_problem(f"{texts.ASK_PHONE}\n{hint}", problem), keyboard)
    return Reply(_with_problem(f"{texts.ASK_EMAIL}\n{hint}", problem), ReplyKeyboardRemove())


def _money(amount: Decimal | None, currency: str) -> str:
    return str(Money(amount, currency)) if amount is not None else "?"


def short_title(title: str) -> str:
    """A title cut to fit on a button (the messages show titles whole)."""
    if len(title) <= texts.BUTTON_TITLE_MAX:
        return title
    return title[: texts.BUTTON_TITLE_MAX - 1].rstrip() + "…"


def _catalogue(screen: Ask, problem: str | None, currency: str) -> Reply:
    draft = screen.draft
    if not screen.products:
        return Reply(_with_problem(texts.NO_PRODUCTS, problem))
    page, products = page_of(screen.products, screen.page)
    pages = page_count(screen.products)
    rows = [
        [
            InlineKeyboardButton(
                texts.PRODUCT_BUTTON.format(
                    title=short_title(p.title), price=_money(p.price, currency)
                ),
                callback_data=_data(Action.PRODUCT, draft, p.id),
            )
        ]
        for p in products
    ]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                texts.PREVIOUS_PAGE, callback_data=_data(Action.PAGE, draft, page - 1)
            )
        )
    if page < pages - 1:
        nav.append(
            InlineKeyboardButton(texts.NEXT_PAGE, callback_data=_data(Action.PAGE, draft, page + 1))
        )
    if nav:
        rows.append(nav)
    if draft.lines:
        count = sum(line.quantity for line in draft.lines)
        label = texts.OPEN_CART.format(count=count, total=_money(cart_total(draft.lines), currency))
        rows.append([InlineKeyboardButton(label, callback_data=_data(Action.CART, draft))])
    text = f"{texts.ASK_PRODUCT}\n{texts.CATALOGUE_PAGE.format(page=page + 1, pages=pages)}"
    return Reply(_with_problem(text, problem), InlineKeyboardMarkup(rows))


def _product_card(draft: Draft, problem: str | None, currency: str) -> Reply:
    pending = draft.pending
    title = esc(pending.title) if pending else ""
    price = _money(pending.price, currency) if pending else "?"
    row = [
        InlineKeyboardButton(str(n), callback_data=_data(Action.QUANTITY, draft, n))
        for n in QUANTITY_BUTTONS
    ]
    back = InlineKeyboardButton(texts.BACK_TO_CATALOGUE, callback_data=_data(Action.PAGE, draft, 0))
    card = texts.PRODUCT_CARD.format(title=title, price=esc(price))
    text = _with_problem(f"{card}\n\n{texts.ASK_QUANTITY}", problem)
    photo = pending.image_url if pending else None
    return Reply(text, InlineKeyboardMarkup([row, [back]]), photo=photo)


def _cart(draft: Draft, problem: str | None, currency: str) -> Reply:
    parts = [texts.CART_TITLE, ""]
    rows = []
    for number, line in enumerate(draft.lines, 1):
        amount = _money(
            line.unit_price * line.quantity if line.unit_price is not None else None, currency
        )
        parts.append(
            texts.CART_LINE.format(
                number=number, title=esc(line.title), quantity=line.quantity, amount=esc(amount)
            )
        )
        title = short_title(line.title)
        rows.append(
            [
                InlineKeyboardButton(
                    texts.DECREASE.format(title=title),
                    callback_data=_data(Action.MINUS, draft, line.product_id),
                ),
                InlineKeyboardButton(
                    texts.INCREASE.format(title=title),
                    callback_data=_data(Action.PLUS, draft, line.product_id),
                ),
                InlineKeyboardButton(
                    texts.REMOVE.format(title=title),
                    callback_data=_data(Action.REMOVE, draft, line.product_id),
                ),
            ]
        )
    total = esc(_money(cart_total(draft.lines), currency))
    parts += ["", texts.SUBTOTAL.format(total=total), texts.TOTAL.format(total=total)]
    rows.append([InlineKeyboardButton(texts.ADD_MORE, callback_data=_data(Action.MORE, draft))])
    rows.append(
        [
            InlineKeyboardButton(texts.CLEAR_CART, callback_data=_data(Action.CLEAR, draft)),
            InlineKeyboardButton(texts.CHECKOUT, callback_data=_data(Action.CHECKOUT, draft)),
        ]
    )
    return Reply(_with_problem("\n".join(parts), problem), InlineKeyboardMarkup(rows))


def _reuse(screen: Ask, problem: str | None) -> Reply:
    draft, saved = screen.draft, screen.saved
    rows = []
    parts = [texts.ASK_REUSE]
    if saved is not None:
        parts += [
            "",
            texts.SUMMARY_CONTACTS.format(
                name=esc(saved.name), phone=esc(saved.phone), email=esc(saved.email)
            ),
        ]
        rows.append(
            [InlineKeyboardButton(texts.REUSE_YES, callback_data=_data(Action.REUSE, draft, 1))]
        )
    rows.append([InlineKeyboardButton(texts.REUSE_NO, callback_data=_data(Action.REUSE, draft, 0))])
    return Reply(_with_problem("\n".join(parts), problem), InlineKeyboardMarkup(rows))


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
    parts += ["", form_render.answer_lines(draft, _plain)]
    if screen.problem:
        problem = texts.PROBLEMS[screen.problem]
        if screen.detail:
            problem += f"\n{esc(screen.detail)}"
        parts = [problem, "", *parts]
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.CONFIRM, callback_data=_data(Action.CONFIRM, draft))],
            *form_render.edit_rows(draft, _plain),
            [InlineKeyboardButton(texts.CHANGE_CART, callback_data=_data(Action.CART, draft))],
            [InlineKeyboardButton(texts.CANCEL, callback_data=_data(Action.CANCEL, draft))],
        ]
    )
    return Reply("\n".join(parts), keyboard)


def _plain(text: str, /, **values: object) -> str:
    return text.format(**values) if values else text


def _data(action: Action, draft: Draft, number: int | None = None) -> str:
    return encode(Button(action, draft.draft_id, number))


def _history(screen: OrderHistory) -> Reply:
    if not screen.orders:
        return Reply(texts.ORDERS_NONE)
    parts = [texts.ORDERS_TITLE]
    for order in screen.orders:
        status = texts.ORDER_STATUS.format(status=esc(order.status_title or order.status_id))
        payment = texts.PAYMENT_STATUS.format(
            status=esc(texts.payment_status(order.payment_status))
        )
        parts += [
            "",
            texts.ORDERS_ENTRY.format(
                order_id=order.order_id, total=esc(order.total), status=status, payment=payment
            ),
        ]
    if screen.stale:
        parts += ["", texts.ORDERS_STALE]
    return Reply("\n".join(parts))


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
