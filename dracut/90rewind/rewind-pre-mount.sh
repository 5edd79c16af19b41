#!/bin/sh
# dracut without systemd: the same stage as rewind-initrd.service, as a pre-mount hook.
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

if getargbool 1 rd.rewind; then
	/usr/sbin/rewind boot || warn "rewind: the rollback stage failed; see /run/rewind/outcome.json"
fi
