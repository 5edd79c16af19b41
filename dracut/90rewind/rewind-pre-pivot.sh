#!/bin/sh
# dracut without systemd: the same check as rewind-initrd-kernel.service, as a pre-pivot hook.
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

if getargbool 1 rd.rewind && [ -e /run/rewind/outcome.json ]; then
	/usr/sbin/rewind boot-kernel-check "$NEWROOT"
	if [ $? -eq 8 ]; then
		warn "rewind: rebooting into the rollback entry"
		sync
		reboot -f
	fi
fi
