"""Checking and normalising uploaded photos (avatars, listing photos, dispute evidence).

Every uploaded image is opened with Pillow, refused with a message a person
understands when it is not a usable picture, and re-encoded as a JPEG no larger
than a given box. Re-encoding drops EXIF (GPS positions included) and any
payload hidden after the image data.
"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# A 40-megapixel photo is already larger than any phone takes; anything bigger
# is treated as a decompression bomb instead of being expanded in memory.
MAX_PIXELS = 40_000_000


def normalise_image(upload: UploadedFile, *, max_side: int, quality: int = 85) -> ContentFile:
    """Validate `upload` and return it as a resized JPEG, or raise ValidationError."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"This photo is {upload.size / 1_048_576:.1f} MB; the limit is {limit // 1_048_576} MB.",
            code="too_large",
        )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError("Upload a photo in JPEG, PNG, WebP or GIF format.", code="bad_format")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    "This image has too many pixels to be a photo. Upload a smaller one.",
                    code="too_many_pixels",
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image has too many pixels to be a photo. Upload a smaller one.", code="too_many_pixels"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF photo.",
            code="not_an_image",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError("This image is damaged or incomplete. Try another file.", code="damaged") from None

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg")
