"""Forms of the conversation pages."""

from __future__ import annotations

from django import forms

from realtime.models import Message


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=Message.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": Message.MAX_LENGTH, "required": True}),
        error_messages={"required": "Write a message first."},
    )
