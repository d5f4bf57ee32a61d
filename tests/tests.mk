include tests/unit/unit.mk
include tests/guests/guests.mk
