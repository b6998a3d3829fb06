"""Registration, login with lockout, refresh-token rotation and logout."""
