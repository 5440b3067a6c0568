"""Every text the customer and the admins read, in Telegram HTML.

Values that come from people or from the shop are escaped with `esc` before they are put in.
"""

from __future__ import annotations

import html

from bot.ordering.screens import NoticeKind, Problem

BOT_COMMANDS = (
    ("start", "Start an order"),
    ("cancel", "Cancel the current order"),
    ("help", "How to order"),
)

NOTICES: dict[NoticeKind, str] = {
    NoticeKind.WELCOME: (
        "👋 Hello! I will take your order in a few steps. "
        "Send /cancel at any time to stop, /help for help."
    ),
    NoticeKind.RESUMED: "Welcome back! Let's continue where you left off.",
    NoticeKind.HELP: (
        "I collect your name, phone, e-mail and what you want to order, then place the order "
        "with the shop.\n/start — start or continue an order\n/cancel — cancel it\n/help — this help"
    ),
    NoticeKind.CANCELLED: "Your order has been cancelled. Send /start to begin a new one.",
    NoticeKind.NO_DRAFT: "Send /start to place an order.",
    NoticeKind.STALE_BUTTON: "This menu is out of date.",
    NoticeKind.PLACING: "⏳ Placing your order…",
    NoticeKind.ALREADY_SUBMITTED: "Your order has already been submitted.",
    NoticeKind.QUEUED: (
        "📥 Your order is accepted. The shop is not reachable right now, so I will place it "
        "as soon as it is and write to you here. You don't need to do anything."
    ),
    NoticeKind.EDIT_IGNORED: (
        "✏️ Edited messages don't change your order. Please send the corrected answer as a new "
        "message."
    ),
}

PROBLEMS: dict[Problem, str] = {
    Problem.BAD_NAME: "Please send your name as text, 2 to 64 characters with at least one letter.",
    Problem.BAD_PHONE: (
        "That does not look like a phone number. Please send it with the country code, "
        "e.g. +1 800 500 0500, or tap “Share my phone”."
    ),
    Problem.NOT_OWN_CONTACT: (
        "That contact is someone else's. Please share your own number with the button below, "
        "or type it."
    ),
    Problem.BAD_EMAIL: "That does not look like an e-mail address. Please check it and send it again.",
    Problem.BAD_QUANTITY: "Please send a whole number from 1 to 99, or tap one of the buttons.",
    Problem.PRODUCT_UNAVAILABLE: "Sorry, that product is no longer available. Please choose another.",
    Problem.USE_BUTTONS: "Please use the buttons below.",
    Problem.TEXT_EXPECTED: "I can only read text here.",
    Problem.SHOP_UNAVAILABLE: (
        "⚠️ The shop is not reachable right now. Nothing was lost: please try again in a minute."
    ),
    Problem.ORDER_REJECTED: "⚠️ The shop could not accept this order.",
    Problem.PLACEMENT_GAVE_UP: (
        "⚠️ I could not reach the shop for a long time, so your order was not placed. "
        "Your order is kept: tap “Confirm” to try again."
    ),
}

ASK_NAME = "What is your name?"
ASK_PHONE = "What is your phone number? Type it or tap “Share my phone”."
ASK_EMAIL = "What is your e-mail address?"
ASK_PRODUCT = "What would you like to order?"
NO_PRODUCTS = "There is nothing to order right now. Please come back later."
ASK_QUANTITY = "How many of <b>{title}</b> ({price} each)?"
SHARE_PHONE = "📱 Share my phone"

SUMMARY_TITLE = "<b>Please check your order</b>"
SUMMARY_CONTACTS = "Name: {name}\nPhone: {phone}\nE-mail: {email}"
LINE = "• {title} × {quantity} — {amount}"
TOTAL = "<b>Total: {total}</b>"
CONFIRM = "✅ Confirm"
ADD_MORE = "➕ Add another product"
CANCEL = "✖️ Cancel"

ORDER_PLACED = "✅ <b>Order #{order_id} placed</b>"
ORDER_STATUS = "Order status: {status}"
PAYMENT_STATUS = "Payment: {status}"
PAY_BUTTON = "💳 Pay now"
PAYMENT_STATUSES = {
    "waiting": "awaiting payment",
    "completed": "paid",
    "paid": "paid",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "expired": "expired",
}

ADMIN_NEW_ORDER = "🛒 <b>New order #{order_id}</b>"
ADMIN_ORDER_FAILED = "⚠️ <b>An order could not be placed</b>"
ADMIN_FAILURE_REASONS = {
    Problem.ORDER_REJECTED: "OneEntry refused it:",
    Problem.PLACEMENT_GAVE_UP: (
        "OneEntry stayed unreachable; the customer was asked to confirm again later."
    ),
}
ADMIN_CUSTOMER = "Customer: {name}\nPhone: {phone}\nE-mail: {email}\nTelegram: {link}"


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def payment_status(status: str | None) -> str:
    if not status:
        return "not started"
    return PAYMENT_STATUSES.get(status.lower(), status)


SOMETHING_WENT_WRONG = (
    "😕 Sorry, something went wrong on my side. Your answers are saved; please try again."
)
