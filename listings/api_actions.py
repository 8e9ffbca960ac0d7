"""JSON API twins of the listing pages' other actions, mounted at /api/v1/listings/ beside listings.api:
the owner's photos (upload, reorder, caption, cover, delete) and calendar (read, block, unblock), and a
guest's question to the host and report of a listing.

Each operation calls the service its page calls, with the same checks (the calendar's block is
validated by the page's own BlockForm, so the horizon and past-day rules are the page's).
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from core.api import ObjectId, session_or_token_auth
from core.errors import DomainError
from core.requests import ApiRequest
from listings import horizon, selectors, services
from listings import photos as photo_services
from listings.forms import BlockForm
from listings.models import Listing, ListingPhoto
from realtime import services as conversations

router = Router(tags=["listings"], auth=session_or_token_auth)


class PhotoOut(Schema):
    id: int
    url: str
    position: int = Field(description="0 is the cover")
    caption: str


class PhotoOrderIn(Schema):
    photo_ids: list[ObjectId]


class CaptionIn(Schema):
    caption: str


class PeriodOut(Schema):
    id: int
    start: datetime
    end: datetime
    source: str
    note: str


class CalendarOut(Schema):
    time_zone: str
    first_day: date
    last_day: date
    periods: list[PeriodOut]


class CalendarBlockIn(Schema):
    first_day: date
    last_day: date
    note: str = ""


class QuestionIn(Schema):
    body: str = ""


class QuestionOut(Schema):
    thread_id: int
    title: str
    messages_url: str


class ListingReportIn(Schema):
    reason: str


class ListingReportOut(Schema):
    id: int
    created_at: datetime


def _photo(photo: ListingPhoto) -> dict:
    return {"id": photo.pk, "url": photo.image.url, "position": photo.position, "caption": photo.caption}


def _photos(listing: Listing) -> list[dict]:
    return [_photo(photo) for photo in listing.photos.order_by("position", "pk")]


def _calendar(listing: Listing) -> dict:
    return {
        "time_zone": listing.time_zone,
        "first_day": horizon.today_at(listing.time_zone),
        "last_day": horizon.last_day(time_zone=listing.time_zone, horizon_days=listing.booking_horizon_days),
        "periods": list(selectors.upcoming_busy_periods(listing=listing)),
    }


@router.get("/{listing_id}/photos", response=list[PhotoOut], summary="My listing's photos, the cover first")
def list_photos(request: ApiRequest, listing_id: ObjectId):
    return _photos(selectors.owned_listing(listing_id=listing_id, owner=request.auth))


@router.post("/{listing_id}/photos", response={201: list[PhotoOut]}, summary="Add photos (multipart, all or none)")
def upload_photos(request: ApiRequest, listing_id: ObjectId, photos: File[list[UploadedFile]]):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    photo_services.add_photos(listing=listing, actor=request.auth, uploads=list(photos))
    return Status(201, _photos(listing))


@router.put("/{listing_id}/photos/order", response=list[PhotoOut], summary="Reorder all photos; the first is the cover")
def reorder_photos(request: ApiRequest, listing_id: ObjectId, data: PhotoOrderIn):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    photo_services.reorder_photos(listing=listing, actor=request.auth, photo_ids=data.photo_ids)
    return _photos(listing)


@router.post("/{listing_id}/photos/{photo_id}/cover", response=list[PhotoOut], summary="Make a photo the cover")
def make_cover(request: ApiRequest, listing_id: ObjectId, photo_id: ObjectId):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    photo_services.make_cover(listing=listing, actor=request.auth, photo_id=photo_id)
    return _photos(listing)


@router.patch("/{listing_id}/photos/{photo_id}", response=PhotoOut, summary="Set or clear a photo's caption")
def caption_photo(request: ApiRequest, listing_id: ObjectId, photo_id: ObjectId, data: CaptionIn):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    photo = photo_services.caption_photo(listing=listing, actor=request.auth, photo_id=photo_id, caption=data.caption)
    return _photo(photo)


@router.delete("/{listing_id}/photos/{photo_id}", response={204: None}, summary="Delete a photo")
def delete_photo(request: ApiRequest, listing_id: ObjectId, photo_id: ObjectId):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    photo_services.delete_photo(listing=listing, actor=request.auth, photo_id=photo_id)
    return Status(204, None)


@router.get("/{listing_id}/calendar", response=CalendarOut, summary="My listing's blocks and bookings from today")
def read_calendar(request: ApiRequest, listing_id: ObjectId):
    return _calendar(selectors.owned_listing(listing_id=listing_id, owner=request.auth))


@router.post("/{listing_id}/calendar", response={201: PeriodOut}, summary="Block days, first to last inclusive")
def block_days(request: ApiRequest, listing_id: ObjectId, data: CalendarBlockIn):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    # The page's form: the same past-day and horizon rules, in the listing's time zone.
    form = BlockForm(data.dict(), listing=listing)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise DomainError(str(errors[0]), field=None if field == "__all__" else field)
    start, end = form.period(listing.time_zone)
    period = services.block_period(
        listing=listing, actor=request.auth, start=start, end=end, note=form.cleaned_data["note"]
    )
    return Status(201, period)


@router.delete("/{listing_id}/calendar/{period_id}", response={204: None}, summary="Free a block of mine")
def unblock_days(request: ApiRequest, listing_id: ObjectId, period_id: ObjectId):
    listing = selectors.owned_listing(listing_id=listing_id, owner=request.auth)
    services.unblock_period(listing=listing, actor=request.auth, busy_period_id=period_id)
    return Status(204, None)


@router.post("/{listing_id}/questions", response=QuestionOut, summary="Ask the host before booking")
def ask_host(request: ApiRequest, listing_id: ObjectId, data: QuestionIn):
    """Opens (or finds) my question thread with the host; a non-empty body is posted in it as my first message.
    Read and write the thread afterwards through /api/v1/threads/."""
    listing = selectors.visible_listing(listing_id=listing_id, viewer=request.auth)
    thread = services.open_question_thread(listing=listing, requester=request.auth)
    if data.body.strip():
        conversations.post_message(thread=thread, sender=request.auth, body=data.body)
    return {"thread_id": thread.pk, "title": thread.title, "messages_url": f"/api/v1/threads/{thread.pk}/messages"}


@router.post("/{listing_id}/reports", response={201: ListingReportOut}, summary="Report a listing to Sharing's team")
def report_listing(request: ApiRequest, listing_id: ObjectId, data: ListingReportIn):
    listing = selectors.visible_listing(listing_id=listing_id, viewer=request.auth)
    report = services.report_listing(listing=listing, reporter=request.auth, reason=data.reason)
    return Status(201, {"id": report.pk, "created_at": report.created_at})
