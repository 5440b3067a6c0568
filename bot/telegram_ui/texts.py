"""Every text the customer and the admins read, in Telegram HTML.

Values that come from people or from the shop are escaped with `esc` before they are put in.
"""

from __future__ import annotations

import html

from bot.ordering.screens import NoticeKind, Problem

BOT_COMMANDS = (
    ("start", "Browse the shop and order"),
    ("orders", "My orders and their status"),
    ("back", "One step back"),
    ("cancel", "Cancel the current order"),
    ("help", "How to order"),
)

NOTICES: dict[NoticeKind, str] = {
    NoticeKind.WELCOME: (
        "👋 Hello! Pick what you like from the shop, then I will ask for your contact "
        "details and place the order. Send /cancel at any time to stop, /help for help."
    ),
    NoticeKind.RESUMED: "Welcome back! Let's continue where you left off.",
    NoticeKind.HELP: (
        "Tap products to put them in your cart, then check out: I ask for your name, phone "
        "and e-mail, show a summary and place the order with the shop.\n"
        "/start — start or continue an order\n/orders — your orders and their status\n"
        "/back — one step back\n/cancel — cancel the current order\n/help — this help"
    ),
    NoticeKind.CANCELLED: "Your order has been cancelled. Send /start to begin a new one.",
    NoticeKind.NO_DRAFT: "Send /start to place an order.",
    NoticeKind.STALE_BUTTON: "This menu is out of date.",
    NoticeKind.PLACING: "⏳ Placing your order…",
    NoticeKind.ALREADY_SUBMITTED: "Your order has already been submitted.",
    NoticeKind.EXPIRED: (
        "⌛ Your unfinished order was closed after a long time without an answer. "
        "Send /start whenever you want to order."
    ),
    NoticeKind.QUEUED: (
        "📥 Your order is accepted. The shop is not reachable right now, so I will place it "
        "as soon as it is and write to you here. You don't need to do anything."
    ),
    NoticeKind.DETAILS_REUSED: "👌 I used the details of your previous order.",
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
    Problem.QUANTITY_LIMIT: "That is the most I can take of one product (99).",
    Problem.CART_EMPTY: "Your cart is empty.",
    Problem.PRICES_CHANGED: (
        "⚠️ Prices have changed since you put these products in your cart. Please check the "
        "new total and confirm again."
    ),
    Problem.PRODUCTS_GONE: (
        "⚠️ Some products are no longer available and were taken out of your cart. Please "
        "check your order and confirm again."
    ),
    Problem.NOTHING_TO_GO_BACK_TO: "There is no step to go back to here.",
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
HINT_BACK = "<i>/back — one step back</i>"
HINT_BACK_TO_SUMMARY = "<i>/back — back to the summary without changing it</i>"
SHARE_PHONE = "📱 Share my phone"

ASK_PRODUCT = "🛍 <b>What would you like to order?</b>"
CATALOGUE_PAGE = "Page {page} of {pages}. Tap a product to see it."
NO_PRODUCTS = "There is nothing to order right now. Please come back later."
PRODUCT_BUTTON = "{title} — {price}"
PREVIOUS_PAGE = "◀️ Previous"
NEXT_PAGE = "Next ▶️"
OPEN_CART = "🛒 Cart ({count}) — {total}"

PRODUCT_CARD = "<b>{title}</b>\n{price}"
ASK_QUANTITY = "How many would you like? Tap a number or type one from 1 to 99."
BACK_TO_CATALOGUE = "◀️ Back to the catalogue"

CART_TITLE = "🛒 <b>Your cart</b>"
CART_LINE = "{number}. {title} × {quantity} — {amount}"
SUBTOTAL = "Subtotal: {total}"
DECREASE = "➖ {title}"
INCREASE = "➕ {title}"
REMOVE = "🗑 {title}"
ADD_MORE = "🛍 Add more products"
CLEAR_CART = "🧹 Clear the cart"
CHECKOUT = "✅ Checkout"

ASK_REUSE = "Shall I use the same details as for your previous order?"
REUSE_YES = "✅ Yes, use them"
REUSE_NO = "✏️ Enter new details"

SUMMARY_TITLE = "<b>Please check your order</b>"
SUMMARY_CONTACTS = "Name: {name}\nPhone: {phone}\nE-mail: {email}"
LINE = "• {title} × {quantity} — {amount}"
TOTAL = "<b>Total: {total}</b>"
CONFIRM = "✅ Confirm"
EDIT_NAME = "✏️ Name"
EDIT_PHONE = "✏️ Phone"
EDIT_EMAIL = "✏️ E-mail"
CHANGE_CART = "🛒 Change the cart"
CANCEL = "✖️ Cancel"

ORDERS_TITLE = "📦 <b>Your orders</b>"
ORDERS_NONE = "You have no orders yet. Send /start to place one."
ORDERS_ENTRY = "<b>#{order_id}</b> — {total}\n{status} · {payment}"
ORDERS_STALE = "⚠️ The shop is not reachable right now: these statuses may be out of date."

ORDER_PLACED = "✅ <b>Order #{order_id} placed</b>"
ORDER_STATUS = "Order status: {status}"
PAYMENT_STATUS = "Payment: {status}"
BUTTON_TITLE_MAX = 128  # characters of a product title on a button; messages show titles whole
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


# --- form questions ---
# The questions of the shop's order form, to be moved into the translation catalogues.
FORM_QUESTION = "<b>{title}</b>\n{hint}"
FORM_HINTS = {
    "name": "Please type your name.",
    "text": "Please type your answer.",
    "phone": "Type your phone number or tap “Share my phone”.",
    "email": "Please type your e-mail address.",
    "integer": "Please send a whole number.",
    "float": "Please send a number, e.g. 2.5.",
    "date": "Please send a date, e.g. 2025-12-31 or 31.12.2025.",
    "choice": "Tap one of the options.",
}
FORM_OPTIONAL = "<i>Optional: tap “Skip” if you have nothing to add.</i>"
FORM_OPTIONAL_TYPED = "<i>Optional: send - to skip it.</i>"
FORM_LABELS = {"name": "Name", "phone": "Phone", "email": "E-mail"}  # questions without a title
SKIP = "⏭ Skip"
EDIT_ANSWER = "✏️ {title}"
SUMMARY_ANSWER = "{title}: {value}"
SKIPPED = "—"
FORM_PROBLEMS = {
    Problem.ANSWER_REQUIRED: "This question needs an answer.",
    Problem.BAD_FORMAT: (
        "That answer does not have the form the shop expects. Please check it and send it again."
    ),
    Problem.TOO_SHORT: "That is too short: please send at least {min} characters.",
    Problem.TOO_LONG: "That is too long: please send at most {max} characters.",
    Problem.WRONG_LENGTH: "Please send exactly {length} characters.",
    Problem.BAD_INTEGER: "Please send a whole number, e.g. 3.",
    Problem.BAD_NUMBER: "Please send a number, e.g. 2.5.",
    Problem.BAD_DATE: "Please send a real date, e.g. 2025-12-31 or 31.12.2025.",
    Problem.BAD_CHOICE: "Please tap one of the options below.",
}
