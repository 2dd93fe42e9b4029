"""Authenticator-app codes for the demo users (the local stack, its tests and tools; never the Lambda).

moto accepts a code of the current 30-second step only (Cognito allows a step either side), so a
code made in a step's last moments can be refused on arrival: `code()` waits for the next step then.
moto's secret is also 60 bits (Cognito's are 160), under the 112 that pyotp asks of a secret, so the
check is relaxed here, for demo and test secrets only.
"""

import time

STEP = 30


def code(secret, margin=2.0, clock=time.time, sleep=time.sleep):
    """The current six-digit code for `secret` (base32), with at least `margin` seconds of its step left."""
    import pyotp

    class DemoTOTP(pyotp.TOTP):
        min_secret_length_bits = 40

    left = STEP - clock() % STEP
    if left < margin:
        sleep(left + 0.05)
    return DemoTOTP(secret).now()


if __name__ == "__main__":
    # `python -m stack.totp <totp_secret>`: a demo user's code, for signing in to the console by hand.
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m stack.totp <totp_secret from .local/stack.json>")
    print(code(sys.argv[1]))
