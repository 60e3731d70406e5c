"""CPU time to process one supporter's photo for the wall of support (docs/performance.md):
a 12-megapixel JPEG, as a phone takes it, decoded, turned upright, cleaned of its metadata and
written as the display size and the thumbnail, and the thumbnail again as WebP
(campaign.wall.photos.process_photo).

    python -m bench.wall_photo [--runs N]

Prints the CPU time of each run and the best; the image is drawn here, with GPS EXIF.
"""

from __future__ import annotations

import argparse
import io
import random
import time

from PIL import ExifTags, Image, ImageDraw, ImageFilter

from campaign.wall.photos import process_photo

SIZE = (4000, 3000)  # 12 megapixels


def phone_photo() -> bytes:
    """A busy 12 Mpx picture (noise and shapes, so the JPEG is as heavy as a real photo)."""
    rng = random.Random(12)
    image = Image.effect_noise(SIZE, 60).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(200):
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + rng.randrange(50, 600), y + rng.randrange(50, 600)), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(1))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (46.0, 12.0, 30.0)}
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = phone_photo()
    print(f"12 Mpx JPEG of {len(data) / 1_000_000:.1f} MB")
    times = []
    for _ in range(args.runs):
        started = time.process_time()
        photo = process_photo(data, max_bytes=10 * 1024 * 1024)
        times.append(time.process_time() - started)
        print(
            f"  {times[-1] * 1000:.0f} ms CPU -> {len(photo.display) // 1000} kB display, "
            f"{len(photo.thumbnail) // 1000} kB thumbnail, "
            f"{len(photo.thumbnail_webp) // 1000} kB WebP thumbnail"
        )
    median = sorted(times)[len(times) // 2]
    print(f"best {min(times) * 1000:.0f} ms CPU, median {median * 1000:.0f} ms")


if __name__ == "__main__":
    main()
