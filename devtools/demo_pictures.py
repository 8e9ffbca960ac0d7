"""Pictures for the demo listings, drawn offline with Pillow: bedrooms, living rooms and kitchens for rooms,
cars on a street and from the driver's seat for cars, portraits for drivers. Deterministic (a seed per
picture), written once into the media storage and shared by all demo listings; no internet is needed.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFilter

W, H = 960, 640
Colour = tuple[int, int, int]
WALLS: list[Colour] = [(236, 228, 214), (222, 232, 236), (240, 226, 222), (228, 236, 224), (246, 240, 228)]
COVERS: list[Colour] = [(74, 111, 165), (186, 92, 74), (96, 142, 110), (214, 170, 82), (128, 100, 150)]
PAINTS: list[Colour] = [(190, 30, 45), (30, 60, 120), (235, 235, 235), (40, 40, 44), (120, 128, 136), (20, 110, 90)]
SKINS: list[Colour] = [(241, 204, 178), (224, 172, 136), (198, 140, 104), (141, 94, 64), (96, 62, 44)]
SETS_PER_KIND = 6


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return (int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t), int(a[2] + (b[2] - a[2]) * t))


def _shade(colour: Colour, factor: float) -> Colour:
    return _mix(colour, (0, 0, 0), 1 - factor) if factor < 1 else _mix(colour, (255, 255, 255), factor - 1)


def _gradient(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], top: Colour, bottom: Colour) -> None:
    x0, y0, x1, y1 = box
    for y in range(y0, y1):
        draw.line([(x0, y), (x1, y)], fill=_mix(top, bottom, (y - y0) / max(1, y1 - y0)))


def _shadow(image: Image.Image, box: tuple[int, int, int, int], strength: int = 90) -> None:
    """A soft contact shadow under furniture or a car."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=strength)
    image.paste((20, 20, 20), (0, 0), mask.filter(ImageFilter.GaussianBlur(18)))


def _window(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    _gradient(draw, (x0, y0, x1, y1), (120, 176, 230), (214, 234, 248))
    for _ in range(5):  # the town outside
        bx = rng.randint(x0, x1 - 40)
        draw.rectangle((bx, rng.randint((y0 + y1) // 2, y1 - 20), bx + rng.randint(30, 70), y1), fill=(150, 160, 172))
    draw.rectangle(box, outline=(250, 250, 250), width=10)
    draw.line([((x0 + x1) // 2, y0), ((x0 + x1) // 2, y1)], fill=(250, 250, 250), width=8)
    draw.rectangle((x0 - 30, y0 - 20, x0 + 10, y1 + 40), fill=(232, 222, 200))  # curtains
    draw.rectangle((x1 - 10, y0 - 20, x1 + 30, y1 + 40), fill=(232, 222, 200))


def _room_shell(rng: random.Random) -> tuple[Image.Image, ImageDraw.ImageDraw, Colour]:
    image = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(image)
    wall = rng.choice(WALLS)
    _gradient(draw, (0, 0, W, 450), _shade(wall, 1.04), _shade(wall, 0.9))
    wood = rng.choice([(176, 132, 90), (150, 108, 72), (196, 160, 120)])
    _gradient(draw, (0, 450, W, H), _shade(wood, 0.95), _shade(wood, 0.75))
    for x in range(-400, W + 400, 90):  # floor boards in perspective
        draw.line([(W // 2 + (x - W // 2) * 0.55, 450), (x, H)], fill=_shade(wood, 0.7), width=2)
    draw.rectangle((0, 440, W, 452), fill=(248, 248, 246))  # skirting
    return image, draw, wall


def _plant(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    draw.polygon([(x - 28, y - 60), (x + 28, y - 60), (x + 20, y), (x - 20, y)], fill=(196, 110, 70))
    for dx, dy, r in ((-30, -110, 32), (25, -120, 34), (0, -150, 30), (-10, -95, 28), (30, -85, 24)):
        draw.ellipse((x + dx - r, y + dy - r, x + dx + r, y + dy + r), fill=(62 + dx, 128, 70))


def bedroom(rng: random.Random) -> Image.Image:
    image, draw, _ = _room_shell(rng)
    _window(draw, rng, (80, 90, 300, 330))
    frame = (560, 110, 780, 240)
    draw.rectangle(frame, fill=(60, 52, 44))
    _gradient(draw, (frame[0] + 12, frame[1] + 12, frame[2] - 12, frame[3] - 12), (236, 170, 110), (96, 130, 170))
    _shadow(image, (360, 540, 920, 610))
    draw = ImageDraw.Draw(image)
    cover = rng.choice(COVERS)
    draw.rounded_rectangle((420, 270, 900, 470), radius=18, fill=(110, 82, 60))  # headboard
    draw.rounded_rectangle((390, 420, 930, 580), radius=20, fill=(246, 246, 244))  # mattress
    draw.rounded_rectangle((390, 470, 930, 590), radius=20, fill=cover)  # blanket
    draw.rectangle((390, 470, 930, 492), fill=_shade(cover, 1.25))
    for x in (450, 680):
        draw.rounded_rectangle((x, 380, x + 190, 450), radius=26, fill=(252, 252, 250), outline=(225, 225, 225))
    draw.rectangle((310, 440, 380, 560), fill=(150, 112, 80))  # bedside table and lamp
    draw.polygon([(318, 350), (372, 350), (386, 410), (304, 410)], fill=(250, 238, 200))
    draw.line([(345, 410), (345, 440)], fill=(80, 80, 80), width=5)
    _plant(draw, 160, 590)
    return image


def living_room(rng: random.Random) -> Image.Image:
    image, draw, _ = _room_shell(rng)
    _window(draw, rng, (620, 80, 860, 330))
    for row in range(3):  # a shelf of books
        y = 120 + row * 80
        draw.rectangle((90, y + 60, 420, y + 68), fill=(120, 90, 64))
        x = 100
        while x < 400:
            width = rng.randint(14, 30)
            draw.rectangle((x, y + rng.randint(0, 20), x + width, y + 60), fill=rng.choice(COVERS + PAINTS[:2]))
            x += width + 3
    rug = rng.choice(COVERS)
    draw.polygon([(160, 560), (800, 560), (900, 630), (60, 630)], fill=_shade(rug, 1.3))
    _shadow(image, (120, 520, 760, 590))
    draw = ImageDraw.Draw(image)
    sofa = _shade(rng.choice(COVERS), 0.85)
    draw.rounded_rectangle((140, 380, 740, 470), radius=30, fill=_shade(sofa, 0.9))  # back
    draw.rounded_rectangle((120, 440, 760, 550), radius=26, fill=sofa)  # seat
    for x in (110, 700):
        draw.rounded_rectangle((x, 410, x + 70, 560), radius=26, fill=_shade(sofa, 0.8))  # arms
    for x in (230, 440):
        draw.rounded_rectangle((x, 400, x + 150, 470), radius=24, fill=_shade(sofa, 1.2))  # cushions
    draw.ellipse((330, 575, 570, 615), fill=(90, 70, 56))  # coffee table
    _plant(draw, 850, 600)
    return image


def kitchen(rng: random.Random) -> Image.Image:
    image, draw, wall = _room_shell(rng)
    for x in range(0, W, 48):  # tiled splash-back
        for y in range(250, 380, 32):
            draw.rectangle((x + 1, y + 1, x + 47, y + 31), fill=_shade(wall, 1.1), outline=_shade(wall, 0.85))
    cabinet = rng.choice([(70, 90, 110), (230, 230, 226), (120, 140, 110), (60, 60, 64)])
    for x in range(40, W - 40, 180):
        draw.rectangle((x, 70, x + 170, 220), fill=cabinet, outline=_shade(cabinet, 0.8), width=3)
        draw.rectangle((x, 420, x + 170, 600), fill=cabinet, outline=_shade(cabinet, 0.8), width=3)
        draw.rectangle((x + 75, 440, x + 95, 446), fill=(200, 200, 200))
    draw.rectangle((20, 380, W - 20, 420), fill=(214, 206, 196))  # worktop
    for x in (300, 600):  # pendant lamps
        draw.line([(x, 0), (x, 120)], fill=(40, 40, 40), width=3)
        draw.pieslice((x - 50, 100, x + 50, 190), 180, 360, fill=(240, 196, 90))
    draw.rectangle((620, 330, 700, 380), fill=(190, 190, 196))  # kettle and a bowl of fruit
    draw.ellipse((200, 345, 300, 390), fill=(250, 250, 250))
    for dx, colour in ((-20, (220, 60, 40)), (10, (240, 170, 40)), (35, (120, 170, 60))):
        draw.ellipse((230 + dx, 330, 260 + dx, 360), fill=colour)
    return image


def _street(rng: random.Random, evening: bool) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(image)
    top, bottom = ((120, 110, 170), (250, 170, 110)) if evening else ((110, 170, 230), (206, 228, 246))
    _gradient(draw, (0, 0, W, 380), top, bottom)
    x = 0
    while x < W:  # the buildings across the street
        width, height = rng.randint(90, 170), rng.randint(140, 300)
        colour = rng.choice([(196, 180, 160), (170, 160, 150), (214, 200, 178), (150, 150, 160)])
        draw.rectangle((x, 380 - height, x + width, 380), fill=_shade(colour, 0.8 if evening else 1.0))
        for wx in range(x + 12, x + width - 20, 28):
            for wy in range(380 - height + 16, 360, 36):
                lit = evening and rng.random() < 0.4
                draw.rectangle((wx, wy, wx + 14, wy + 20), fill=(250, 220, 140) if lit else (110, 130, 150))
        x += width + rng.randint(0, 12)
    draw.rectangle((0, 380, W, 420), fill=(190, 188, 182))  # pavement
    _gradient(draw, (0, 420, W, H), (90, 92, 96), (60, 62, 66))  # road
    for x in range(0, W, 160):
        draw.rectangle((x, 600, x + 90, 610), fill=(236, 236, 230))
    return image, draw


def car_side(rng: random.Random, evening: bool = False) -> Image.Image:
    paint = rng.choice(PAINTS)  # first, so that a set's day and evening pictures show the same car
    image, draw = _street(rng, evening)
    _shadow(image, (150, 540, 830, 600), strength=140)
    draw = ImageDraw.Draw(image)
    draw.polygon([(300, 330), (610, 330), (700, 420), (230, 420)], fill=_shade(paint, 0.92))  # cabin
    draw.polygon([(318, 345), (450, 345), (450, 415), (262, 415)], fill=(150, 186, 210))  # windows
    draw.polygon([(465, 345), (600, 345), (675, 415), (465, 415)], fill=(136, 174, 200))
    draw.rounded_rectangle((150, 400, 830, 540), radius=50, fill=paint)  # body
    draw.rectangle((170, 470, 810, 478), fill=_shade(paint, 0.75))
    draw.line([(455, 410), (455, 530)], fill=_shade(paint, 0.7), width=3)  # door line
    draw.rounded_rectangle((790, 440, 828, 470), radius=8, fill=(250, 240, 200))  # lights
    draw.rounded_rectangle((152, 440, 180, 470), radius=8, fill=(200, 40, 40))
    for cx in (290, 690):
        draw.ellipse((cx - 62, 478, cx + 62, 602), fill=(28, 28, 30))
        draw.ellipse((cx - 34, 506, cx + 34, 574), fill=(176, 180, 186))
        draw.ellipse((cx - 10, 530, cx + 10, 550), fill=(90, 92, 96))
    return image


def car_inside(rng: random.Random) -> Image.Image:
    image, draw = _street(rng, evening=False)
    image = image.filter(ImageFilter.GaussianBlur(6))  # the street through the windscreen
    draw = ImageDraw.Draw(image)
    trim = rng.choice([(40, 40, 44), (70, 60, 52), (92, 92, 96)])
    draw.rectangle((0, 0, W, 60), fill=trim)  # roof lining and pillars
    draw.polygon([(0, 0), (110, 0), (40, 420), (0, 420)], fill=trim)
    draw.polygon([(W, 0), (W - 110, 0), (W - 40, 420), (W, 420)], fill=trim)
    draw.pieslice((-200, 360, W + 200, 900), 180, 360, fill=_shade(trim, 1.2))  # dashboard
    draw.rectangle((0, 560, W, H), fill=_shade(trim, 0.9))
    draw.rounded_rectangle((560, 430, 740, 520), radius=12, fill=(20, 30, 40))  # screen
    draw.rectangle((576, 446, 724, 504), fill=(60, 130, 190))
    draw.ellipse((150, 380, 450, 680), outline=(24, 24, 26), width=34)  # steering wheel
    draw.ellipse((255, 485, 345, 575), fill=(30, 30, 32))
    return image


def portrait(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(image)
    _gradient(draw, (0, 0, W, H), rng.choice(WALLS), _shade(rng.choice(COVERS), 1.2))
    for _ in range(18):  # a street's lights, out of focus
        x, y, r = rng.randint(0, W), rng.randint(0, H), rng.randint(20, 60)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_mix(rng.choice(PAINTS + WALLS), (255, 255, 255), 0.4))
    image = image.filter(ImageFilter.GaussianBlur(14))
    draw = ImageDraw.Draw(image)
    skin, shirt = rng.choice(SKINS), rng.choice(COVERS + PAINTS[1:2])
    hair = rng.choice([(30, 24, 20), (80, 56, 36), (150, 110, 70), (200, 190, 180), (20, 20, 20)])
    draw.rounded_rectangle((290, 470, 670, 760), radius=120, fill=shirt)  # shoulders
    draw.polygon([(440, 470), (520, 470), (480, 540)], fill=(246, 246, 244))  # collar
    draw.rectangle((440, 390, 520, 480), fill=_shade(skin, 0.9))  # neck
    draw.ellipse((380, 170, 580, 420), fill=skin)  # face
    draw.chord((370, 140, 590, 330), 180, 360, fill=hair)
    draw.ellipse((362, 200, 400, 300), fill=hair)
    draw.ellipse((560, 200, 598, 300), fill=hair)
    for x in (438, 508):
        draw.ellipse((x, 285, x + 16, 299), fill=(40, 34, 30))
    draw.arc((445, 320, 515, 370), 20, 160, fill=_shade(skin, 0.6), width=5)  # a smile
    return image


SCENES: dict[str, list[Callable[[random.Random], Image.Image]]] = {
    "room": [bedroom, living_room, kitchen],
    "car": [car_side, car_inside, lambda rng: car_side(rng, evening=True)],
    "driver": [portrait, car_inside],
}


def demo_pictures() -> dict[str, list[list[str]]]:
    """For each kind, SETS_PER_KIND sets of picture names (one set per listing), drawn once and kept."""
    sets: dict[str, list[list[str]]] = {}
    for kind, scenes in SCENES.items():
        sets[kind] = []
        for number in range(SETS_PER_KIND):
            names = []
            for index, scene in enumerate(scenes):
                name = f"listings/demo/{kind}-{number}-{index}.jpg"
                if not default_storage.exists(name):
                    # The same seed draws the car (or room) of one set in every picture of the set.
                    picture = scene(random.Random(f"{kind}-{number}"))  # noqa: S311 (pictures, not secrets)
                    buffer = io.BytesIO()
                    picture.save(buffer, format="JPEG", quality=82, optimize=True, progressive=True)
                    default_storage.save(name, ContentFile(buffer.getvalue()))
                names.append(name)
            sets[kind].append(names)
    return sets
