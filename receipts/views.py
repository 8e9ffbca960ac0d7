"""A person's receipts and statements: the list, each PDF, a statement's CSV. Someone else's is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from core.pages import refusal_pages
from core.requests import SignedInRequest
from receipts import render as rendering
from receipts import selectors
from receipts.models import Kind


@require_GET
@login_required
def documents(request: SignedInRequest) -> HttpResponse:
    return render(request, "receipts/documents.html", {"documents": selectors.documents_of(request.user)[:200]})


@require_GET
@login_required
@refusal_pages
def document_pdf(request: SignedInRequest, document_id: int) -> HttpResponse:
    document = selectors.own_document(request.user, document_id)
    # The stored PDF is in the document's language; a reader who reads another now gets the same frozen content
    # rendered in theirs (not stored), as does anyone before the worker has stored it.
    language = translation.get_language() or document.language
    stored = selectors.pdf_of(document) if language == document.language else None
    pdf = stored or rendering.render_pdf(document, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.display_number}.pdf"'
    return response


@require_GET
@login_required
@refusal_pages
def document_csv(request: SignedInRequest, document_id: int) -> HttpResponse:
    document = selectors.own_document(request.user, document_id)
    if document.kind != Kind.STATEMENT:
        raise Http404("Only statements have a CSV.")
    response = HttpResponse(rendering.render_csv(document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{document.display_number}.csv"'
    return response
