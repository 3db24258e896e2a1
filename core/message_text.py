"""Texts stored for later reading, translated when read (issue 15).

An inbox message is written once and read later by someone whose language may differ from the
writer's. So it is stored as a key (the Swedish msgid, marked with `gettext_noop` so that it is in
the catalogue) and its params (JSON), beside the finished Swedish text (kept for old rows, search
and audit). Reading renders the key with gettext in the reader's language; a row without a key, or
a key the catalogue cannot render, shows the stored text.

    Text(gettext_noop("Order %(number)s är bekräftad"), number="K-1")

A param may itself be a `Text` (a phrase that must be translated too, e.g. a role's label:
`Text.label(Role(role).label)`); other params (numbers, dates as ISO strings, names, what a user
wrote) are shown as they are."""
from __future__ import annotations

import logging
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


class Text:
    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: Any):
        self.key = str(key)
        self.params = params

    @classmethod
    def label(cls, lazy_label) -> Text:
        """A translatable label (`gettext_lazy`, e.g. a TextChoices label) as a `Text`: its
        Swedish form is its msgid, Swedish being the source language."""
        with translation.override("sv"):
            return cls(str(lazy_label))

    def params_json(self) -> dict:
        return {k: _dump(v) for k, v in self.params.items()}

    def render(self) -> str:
        """In the active language."""
        return render(self.key, self.params_json())

    def swedish(self) -> str:
        with translation.override("sv"):
            return self.render()

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.key!r}, **{self.params!r})"


def _dump(value: Any) -> Any:
    if isinstance(value, Text):
        return {"key": value.key, "params": value.params_json()}
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return str(value)


def _load(value: Any) -> Any:
    if isinstance(value, dict) and "key" in value:
        return render(value["key"], value.get("params") or {})
    return value


def render(key: str, params: dict | None, fallback: str = "") -> str:
    """The key translated into the active language with its params; `fallback` (the stored
    text) when there is no key or it cannot be rendered."""
    if not key:
        return fallback
    try:
        values = {k: _load(v) for k, v in (params or {}).items()}
        return gettext(key) % values  # python-format: a literal percent sign is written %%
    except (KeyError, ValueError, TypeError):
        logger.warning("message text %r cannot be rendered with %r", key, params)
        return fallback or key


def merged_params(*texts) -> dict:
    """The params of several `Text`s of one message (subject and body share one JSON object);
    a name used twice must mean the same."""
    params: dict = {}
    for text in texts:
        if not isinstance(text, Text):
            continue
        for name, value in text.params_json().items():
            if name in params and params[name] != value:
                raise ValueError(f"param {name!r} differs between the texts of one message")
            params[name] = value
    return params


def recipient_language(recipient) -> str:
    """The language to write to someone in (e-mails, work without a request): a user's
    `language` (or a language code), if supported, else Swedish."""
    from django.conf import settings

    language = recipient if isinstance(recipient, str) else getattr(recipient, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
