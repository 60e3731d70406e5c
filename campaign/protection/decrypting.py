"""Opening a protected petition's export on the machine that holds its private key."""

from __future__ import annotations

import csv
import io

from nacl.public import PrivateKey

from campaign.models.protection import SEALED_PREFIX
from campaign.privacy.exports import neutralise
from campaign.protection.sealing import open_sealed


def decrypt_csv(text: str, private_key: PrivateKey) -> tuple[str, int]:
    """The export with every sealed cell opened (and neutralised as the export neutralises
    cells), and how many were opened. Raises CannotOpen at the first sealed cell the key does not
    open: a file half opened would look complete."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    opened = 0
    for row in reader:
        cells = []
        for value in row:
            if value.startswith(SEALED_PREFIX):
                value = neutralise(open_sealed(private_key, value))
                opened += 1
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue(), opened
