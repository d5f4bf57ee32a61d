include tests/unit/unit.mk
include tests/guests/guests.mk
include tests/unit/decode.mk
unit: unit-decode
include tests/parent/parent.mk
# hv.service's helper from the Debian package, against a fake hvctl.
.PHONY: unit-autostart
unit-autostart:
	@tests/install/autostart_test.sh
unit: unit-autostart
