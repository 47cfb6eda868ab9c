"""Contact avatars (CR1): check an uploaded image and turn it into a small square PNG.

An upload is accepted only if Pillow recognises it as a JPEG, PNG, GIF or WebP image of at
most `MAX_BYTES` bytes and `MAX_PIXELS` pixels; the pixel count is read from the header
before any decoding, so a small file that expands to gigabytes (a decompression bomb) is
refused without allocating it. The result is re-encoded from the pixels (nothing of the
original file survives, EXIF included), turned upright, cropped to a centred square and
resized to `SIZE` x `SIZE`. Storage and access are in `parley.contacts.services.avatars`
and the contact avatar view; nothing here touches the database.
"""

from __future__ import annotations

import io
import warnings
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from parley.contacts.exceptions import ContactsError

MAX_BYTES = 5 * 1024 * 1024
# 40 megapixels: any camera photo, far below what would exhaust memory once decoded.
MAX_PIXELS = 40_000_000
SIZE = 256
FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
CONTENT_TYPE = "image/png"


class InvalidImageError(ContactsError):
    """The upload is not an image we accept (type, size or dimensions)."""


def _read_limited(upload: IO[bytes]) -> bytes:
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidImageError(_("The image is larger than 5 MB."))
    if not data:
        raise InvalidImageError(_("The file is empty."))
    return data


def process_avatar(upload: IO[bytes]) -> bytes:
    """The upload as a `SIZE`x`SIZE` PNG, or InvalidImageError with a message to show."""
    data = _read_limited(upload)
    with warnings.catch_warnings():
        # Pillow warns (then raises) on huge images; both mean "refuse".
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=sorted(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidImageError(_("The image has too many pixels."))
                image.load()
                square = _square(image)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise InvalidImageError(_("The image has too many pixels.")) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise InvalidImageError(
                _("The file is not an image (JPEG, PNG, GIF or WebP).")
            ) from error
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _square(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if upright.mode in {"RGBA", "LA", "P", "PA"} else "RGB"
    return ImageOps.fit(upright.convert(mode), (SIZE, SIZE), method=Image.Resampling.LANCZOS)
