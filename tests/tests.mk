include tests/unit/unit.mk
include tests/guests/guests.mk
include tests/unit/decode.mk
unit: unit-decode
include tests/parent/parent.mk
